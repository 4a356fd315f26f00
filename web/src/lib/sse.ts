/** One Server-Sent Events message (the fields of the stream format that Orbit uses). */
export interface SseMessage {
  id: string | undefined
  event: string
  data: string
}

/**
 * Incremental text/event-stream parser (the WHATWG rules): feed it decoded text as it arrives,
 * get back the complete messages. Comments (`: heartbeat`) produce nothing; the caller sees that
 * bytes arrived, which is what a heartbeat is for.
 */
export class SseParser {
  private buffer = ''
  private id: string | undefined
  private event = ''
  private data: string[] = []

  push(text: string): SseMessage[] {
    this.buffer += text
    const out: SseMessage[] = []
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer)
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (!m || (m[0] === '\r' && m.index === this.buffer.length - 1)) break
      const line = this.buffer.slice(0, m.index)
      this.buffer = this.buffer.slice(m.index + m[0].length)
      const msg = this.line(line)
      if (msg) out.push(msg)
    }
    return out
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = ''
        return undefined
      }
      const msg = { id: this.id, event: this.event || 'message', data: this.data.join('\n') }
      this.event = ''
      this.data = []
      this.id = undefined
      return msg
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.data.push(value)
    else if (field === 'event') this.event = value
    else if (field === 'id' && !value.includes('\0')) this.id = value
    return undefined
  }
}
