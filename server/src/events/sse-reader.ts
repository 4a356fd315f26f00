/** One message of a text/event-stream; a comment line (`: heartbeat`) comes as `comment`. */
export interface SseMessage {
  event: string
  data: string
  id: string | undefined
  comment?: string
}

/**
 * Parses a text/event-stream body as the HTML spec does (data lines joined by newlines, `event`
 * defaulting to "message"), for Node clients such as the CLI and the tests; browsers use EventSource.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  let id: string | undefined
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/)
      // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
      if (end < 0 || (end === buffer.length - 1 && buffer[end] === '\r')) break
      const line = buffer.slice(0, end)
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1))
      if (line === '') {
        if (data.length > 0 || event !== '') yield { event: event || 'message', data: data.join('\n'), id }
        event = ''
        data = []
        id = undefined
        continue
      }
      if (line.startsWith(':')) {
        yield { event: 'comment', data: '', id: undefined, comment: line.slice(1).trim() }
        continue
      }
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
      else if (field === 'id' && !value.includes('\0')) id = value
    }
  }
}
