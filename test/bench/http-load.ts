// A small closed-loop HTTP/1.1 load generator over raw keep-alive sockets: N connections, each
// sending its next request as soon as the previous response is complete. It parses only what it
// must (status, Content-Length or chunked framing), so it stays cheaper than the servers it loads
// and the same tool and settings measure the baseline and Orbit.
import { connect, type Socket } from 'node:net'

export interface LoadOptions {
  host: string
  port: number
  path: string
  headers?: Record<string, string>
  connections: number
  durationMs: number
  /** Requests in this first stretch are sent but not counted (JIT, caches, connection set-up). */
  warmupMs: number
}

export interface LoadResult {
  requests: number
  seconds: number
  rps: number
  /** Latency percentiles in ms over the counted requests. */
  p50: number
  p99: number
  /** Responses whose status was not 2xx (counted requests only). */
  non2xx: number
  bytes: number
}

const crlf2 = Buffer.from('\r\n\r\n')

/** Finds where one response ends in `buf` from `start`; -1 when it is not complete yet. */
function responseEnd(buf: Buffer, start: number): { end: number; status: number } | -1 {
  const head = buf.indexOf(crlf2, start)
  if (head < 0) return -1
  const text = buf.toString('latin1', start, head)
  const status = Number(text.slice(9, 12))
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)
  const bodyAt = head + 4
  if (length) {
    const end = bodyAt + Number(length[1])
    return end <= buf.length ? { end, status } : -1
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(text)) {
    let at = bodyAt
    for (;;) {
      const line = buf.indexOf('\r\n', at, 'latin1')
      if (line < 0) return -1
      const size = Number.parseInt(buf.toString('latin1', at, line), 16)
      const next = line + 2 + size + 2
      if (next > buf.length) return -1
      if (size === 0) return { end: next, status }
      at = next
    }
  }
  // No body (204, 304).
  return { end: bodyAt, status }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const headerLines = Object.entries({ host: `${o.host}:${o.port}`, ...o.headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const request = Buffer.from(`GET ${o.path} HTTP/1.1\r\n${headerLines}\r\n`, 'latin1')
  const started = performance.now()
  const countFrom = started + o.warmupMs
  const stopAt = countFrom + o.durationMs
  const latencies: number[] = []
  let non2xx = 0
  let bytes = 0
  let countedEnd = countFrom

  const one = (socket: Socket): Promise<void> =>
    new Promise((resolve, reject) => {
      let buf: Buffer = Buffer.alloc(0)
      let sentAt = 0
      const send = () => {
        sentAt = performance.now()
        socket.write(request)
      }
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
        for (;;) {
          const r = responseEnd(buf, 0)
          if (r === -1) return
          const now = performance.now()
          if (sentAt >= countFrom && now <= stopAt) {
            latencies.push(now - sentAt)
            bytes += r.end
            if (r.status < 200 || r.status > 299) non2xx++
            countedEnd = Math.max(countedEnd, now)
          }
          buf = buf.subarray(r.end)
          if (now >= stopAt) {
            socket.end()
            resolve()
            return
          }
          send()
        }
      })
      socket.once('error', reject)
      socket.once('close', () => resolve())
      send()
    })

  const sockets = await Promise.all(
    Array.from(
      { length: o.connections },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host: o.host, port: o.port, noDelay: true }, () => resolve(s))
          s.once('error', reject)
        }),
    ),
  )
  await Promise.all(sockets.map(one))
  const seconds = (Math.min(countedEnd, stopAt) - countFrom) / 1000
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non2xx,
    bytes,
  }
}
