import { call, client, errorMessage } from '../../lib/api.ts'
import type { PanelStore } from '../../lib/store.ts'

export interface NewContainer {
  name: string
  runtime: 'wine' | 'native'
  network: 'none' | 'host'
  env: Record<string, string>
  version?: string
}

/** `KEY=value` per line (blank lines and `#` comments skipped) into a map, or the first bad line. */
export function parseEnv(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq <= 0) return { error: `line ${i + 1}: write NAME=value` }
    env[line.slice(0, eq).trim()] = line.slice(eq + 1)
  }
  return { env }
}

let seq = 0

/**
 * Creates a container optimistically: a pending card shows at once and becomes the real card
 * when the gateway answers (or when its event arrives). On a refusal the card is rolled back and
 * the problem's message is returned for the page to show. A 202 (the base runtime is being made
 * first) keeps the card, which then follows its job; `watchPending` rolls it back if the job fails.
 */
export async function createContainer(store: PanelStore, input: NewContainer): Promise<string | undefined> {
  const key = `pending-${++seq}`
  store.dispatch({
    type: 'local.pending',
    pending: { key, name: input.name, runtime: input.runtime, network: input.network },
  })
  try {
    const answer = await call(
      client.POST('/api/containers', {
        body: {
          name: input.name,
          runtime: input.runtime,
          network: input.network,
          ...(Object.keys(input.env).length ? { env: input.env } : {}),
          ...(input.version ? { version: input.version } : {}),
        },
      }),
    )
    if ('job' in answer) {
      store.dispatch({ type: 'local.job', job: answer.job })
      store.dispatch({
        type: 'local.pending',
        pending: {
          key,
          name: input.name,
          runtime: input.runtime,
          network: input.network,
          containerId: answer.containerId,
          jobId: answer.job.id,
        },
      })
      return undefined
    }
    store.dispatch({ type: 'local.container', container: answer })
    store.dispatch({ type: 'local.pending.done', key })
    return undefined
  } catch (err) {
    store.dispatch({ type: 'local.pending.done', key })
    return `Could not create ${input.name}: ${errorMessage(err)}`
  }
}

/** Rolls back pending cards whose creation job failed; returns their messages. */
export function failedPending(store: PanelStore): string[] {
  const messages: string[] = []
  for (const p of Object.values(store.state.pending)) {
    const job = p.jobId ? store.state.jobs[p.jobId] : undefined
    if (!job || (job.state !== 'failed' && job.state !== 'canceled')) continue
    store.dispatch({ type: 'local.pending.done', key: p.key })
    messages.push(`Could not create ${p.name}: ${job.error?.message ?? `the job was ${job.state}`}`)
  }
  return messages
}
