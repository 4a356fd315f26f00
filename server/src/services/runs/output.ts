import { closeSync, openSync, writeSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import type { OutputStream } from '../../../../native/sandbox.ts'

/** The largest run.output event, in bytes of text. */
export const maxChunkBytes = 16_000
/** Output past this is neither logged nor published (the program is still drained). */
export const maxLogBytes = 64 * 1024 * 1024

export interface OutputChunk {
  stream: OutputStream
  text: string
  /** Where the chunk's bytes start in the log. */
  offset: number
}

/**
 * One run's output: every byte appended to the log as it comes (stdout and stderr interleaved,
 * plain text), and published in batches: consecutive bytes of one stream, at most
 * `maxChunkBytes`, at most `batchMs` late, so a chatty program makes few events and each event
 * is one contiguous piece of the log.
 */
export class RunOutput {
  private readonly fd: number
  private written = 0
  private pending: { stream: OutputStream; parts: Buffer[]; bytes: number; offset: number } | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
  private truncated = false
  private closed = false

  constructor(
    logPath: string,
    private readonly publish: (chunk: OutputChunk) => void,
    private readonly batchMs = 25,
    private readonly limit = maxLogBytes,
  ) {
    this.fd = openSync(logPath, 'a', 0o644)
  }

  write(stream: OutputStream, chunk: Buffer): void {
    if (this.closed || this.truncated) return
    if (this.written + chunk.length > this.limit) {
      chunk = chunk.subarray(0, this.limit - this.written)
      this.truncated = true
    }
    const offset = this.written
    writeSync(this.fd, chunk)
    this.written += chunk.length
    if (this.pending && this.pending.stream !== stream) this.flush()
    this.pending ??= { stream, parts: [], bytes: 0, offset }
    this.pending.parts.push(chunk)
    this.pending.bytes += chunk.length
    if (this.pending.bytes >= maxChunkBytes || this.truncated) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), this.batchMs)
    if (this.truncated) {
      const note = Buffer.from(`\n[orbit: output beyond ${this.limit} bytes was dropped]\n`)
      writeSync(this.fd, note)
    }
  }

  /** Publishes what is pending. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const p = this.pending
    this.pending = undefined
    if (!p) return
    const all = Buffer.concat(p.parts)
    const decoder = this.decoders[p.stream]
    for (let at = 0; at < all.length; at += maxChunkBytes) {
      const text = decoder.write(all.subarray(at, at + maxChunkBytes))
      if (text !== '') this.publish({ stream: p.stream, text, offset: p.offset + at })
    }
  }

  /** Publishes the rest and closes the log. */
  close(): void {
    if (this.closed) return
    this.flush()
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[stream].end()
      if (rest !== '') this.publish({ stream, text: rest, offset: this.written })
    }
    this.closed = true
    closeSync(this.fd)
  }

  get bytes(): number {
    return this.written
  }
}
