import type { components } from '../../../sdk-gen/client.ts'
import { OrbitApiError } from '../../../sdk-gen/client.ts'
import { readSse } from '../events/sse-reader.ts'
import { type CliContext, CliError } from './context.ts'
import { ProgressBar } from './progress.ts'

export type OrbitEvent = components['schemas']['Event']
export type Job = components['schemas']['Job']

/**
 * The live event stream, opened before the CLI starts something so nothing about it is missed:
 * `open` resolves once the gateway has sent `ready`, and events queue up until they are read.
 */
export class EventFeed {
  private readonly queue: OrbitEvent[] = []
  private waiting: (() => void) | undefined
  private ended = false
  private failure: unknown

  private constructor(private readonly abort: AbortController) {}

  static async open(ctx: CliContext, query: { types?: string; subject?: string } = {}): Promise<EventFeed> {
    const abort = new AbortController()
    const { data, response, error } = await ctx.client.GET('/api/events', {
      params: { query, header: {} },
      parseAs: 'stream',
      // A plain fetch holding our signal: a Request keeps only a weak link to the signal it was
      // made with, so once openapi-fetch's Request is garbage-collected, aborting would not end
      // the stream (and the CLI would never exit).
      fetch: (request: Request) => fetch(request.url, { headers: request.headers, signal: abort.signal }),
    })
    if (!response.ok || !data) {
      throw new OrbitApiError(
        response.status,
        error as never,
        `cannot open the event stream (HTTP ${response.status})`,
      )
    }
    const feed = new EventFeed(abort)
    await feed.pump(readSse(data as ReadableStream<Uint8Array>))
    return feed
  }

  /** Reads messages in the background; resolves when the stream is ready. */
  private pump(messages: AsyncGenerator<{ event: string; data: string }>): Promise<void> {
    return new Promise<void>((ready, fail) => {
      let isReady = false
      const wake = () => {
        const w = this.waiting
        this.waiting = undefined
        w?.()
      }
      ;(async () => {
        try {
          for await (const m of messages) {
            if (m.event === 'ready' && !isReady) {
              isReady = true
              ready()
            } else if (m.event !== 'comment' && m.event !== 'reset' && m.event !== 'ready') {
              this.queue.push(JSON.parse(m.data) as OrbitEvent)
              wake()
            }
          }
        } catch (err) {
          if (!this.abort.signal.aborted) this.failure = err
        } finally {
          this.ended = true
          if (!isReady) fail(this.failure ?? new CliError('the event stream ended before it was ready'))
          wake()
        }
      })()
    })
  }

  /** The next event, or undefined once the stream has ended (the gateway went away). */
  async next(): Promise<OrbitEvent | undefined> {
    for (;;) {
      const e = this.queue.shift()
      if (e) return e
      if (this.ended) return undefined
      await new Promise<void>((resolve) => {
        this.waiting = resolve
      })
    }
  }

  close(): void {
    this.abort.abort()
  }
}

const finalJobStates = new Set(['succeeded', 'failed', 'canceled'])

/**
 * Follows job `id` on the feed until it ends and returns it; `onEvent` sees every event about it
 * (job.progress and the kind's own events, such as install.progress). When the stream breaks
 * off, the job is asked for once more.
 */
export async function followJob(
  ctx: CliContext,
  feed: EventFeed,
  id: string,
  onEvent: (e: OrbitEvent) => void,
): Promise<Job> {
  for (;;) {
    const e = await feed.next()
    if (!e) break
    const data = e.data as { id?: string; jobId?: string } | null
    if (e.subject !== id && data?.jobId !== id) continue
    if (e.type.startsWith('job.') && e.type !== 'job.progress' && finalJobStates.has((e.data as Job).state)) {
      return e.data as Job
    }
    onEvent(e)
  }
  let state: string
  try {
    const { data, response } = await ctx.client.GET('/api/jobs/{id}', { params: { path: { id } } })
    if (data && finalJobStates.has(data.state)) return data
    state = data?.state ?? `unknown (HTTP ${response.status})`
  } catch {
    // The gateway went away (stopped or restarting): say what we know rather than "fetch failed".
    throw new CliError(`lost the gateway at ${ctx.url} while job ${id} ran; see 'orbit jobs' once it is back`)
  }
  throw new CliError(`lost the connection to the gateway while job ${id} was ${state}; see 'orbit jobs'`)
}

/** A job that did not succeed, as a one-line CLI error. */
export function jobFailure(job: Job): CliError {
  if (job.state === 'canceled')
    return new CliError(`job ${job.kind} was canceled${job.error ? `: ${job.error.message}` : ''}`)
  return new CliError(
    `${job.kind} failed: ${job.error?.message ?? 'unknown error'} [${job.error?.code ?? 'EFAILED'}]`,
  )
}

/**
 * Starts a job (`start` returns it) with the event stream already open, shows its progress on
 * a bar, and returns it once it succeeded; a failure becomes the one-line error.
 */
export async function jobWithProgress(
  ctx: CliContext,
  start: () => Promise<Job>,
  onEvent?: (e: OrbitEvent, bar: ProgressBar) => void,
  types = 'job.*',
): Promise<Job> {
  const feed = await EventFeed.open(ctx, { types })
  const bar = new ProgressBar()
  try {
    const job = await start()
    const done = await followJob(ctx, feed, job.id, (e) => {
      if (e.type === 'job.progress') {
        const d = e.data as Pick<Job, 'phase' | 'progress'>
        bar.update({ ...(d.progress ?? {}), phase: d.phase })
      }
      onEvent?.(e, bar)
    })
    bar.done()
    if (done.state !== 'succeeded') throw jobFailure(done)
    return done
  } finally {
    bar.done()
    feed.close()
  }
}
