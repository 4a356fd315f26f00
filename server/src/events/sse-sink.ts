import type { ServerResponse } from 'node:http'
import type { SseSink } from './stream.ts'

const encoder = new TextEncoder()
const sseHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
}

/** How long a client that stopped reading keeps its socket after being told it is dropped. */
const lingerMs = 5000

/**
 * The stream written straight to node's response: one socket write per event, with the socket's
 * own buffer and 'drain' as the backpressure signal (no web stream per client in between).
 */
export function nodeSink(res: ServerResponse, headers: Headers): SseSink {
  const head: Record<string, string> = {}
  for (const [k, v] of headers) if (k !== 'content-type' && k !== 'content-length') head[k] = v
  res.writeHead(200, { ...head, ...sseHeaders })
  res.flushHeaders()
  return {
    write: (chunk) => res.write(chunk),
    batch(writes) {
      res.cork()
      try {
        writes()
      } finally {
        res.uncork()
      }
    },
    onDrain: (cb) => res.on('drain', cb),
    onClose: (cb) => res.once('close', cb),
    end(reason) {
      if (res.writableEnded || res.destroyed) return
      res.end(reason ? `: ${reason}\n\n` : undefined)
      // A client that reads nothing would hold the socket (and what is buffered for it) forever.
      setTimeout(() => res.destroy(), lingerMs).unref()
    },
  }
}

/** The stream as a web ReadableStream: for fetch-only callers (`app.request`) without a node socket. */
export function webSink(): { sink: SseSink; body: ReadableStream<Uint8Array> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let drain: (() => void) | undefined
  let close: (() => void) | undefined
  let ended = false
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c
      },
      pull: () => drain?.(),
      cancel: () => {
        ended = true
        close?.()
      },
    },
    { highWaterMark: 64 },
  )
  return {
    body,
    sink: {
      write(chunk) {
        if (ended) return true
        controller.enqueue(chunk)
        return (controller.desiredSize ?? 0) > 0
      },
      onDrain: (cb) => {
        drain = cb
      },
      onClose: (cb) => {
        close = cb
      },
      end(reason) {
        if (ended) return
        ended = true
        if (reason) controller.enqueue(encoder.encode(`: ${reason}\n\n`))
        controller.close()
      },
    },
  }
}

export { sseHeaders }
