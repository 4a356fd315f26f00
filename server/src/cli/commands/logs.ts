import { parseArgs } from 'node:util'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { EventFeed } from '../follow.ts'

type Run = components['schemas']['Run']

/** The run a `logs` call means: an id or unique id prefix among the container's runs, else the latest. */
async function pickRun(ctx: CliContext, name: string, which: string | undefined): Promise<Run> {
  const { items } = unwrap(
    await ctx.client.GET('/api/containers/{id}/runs', {
      params: { path: { id: name }, query: { limit: 200 } },
    }),
  )
  if (!which) {
    const latest = items[0]
    if (!latest) throw new CliError(`${name} has no runs yet`)
    return latest
  }
  const matches = items.filter((r) => r.id.startsWith(which))
  if (matches.length === 1 && matches[0]) return matches[0]
  throw new CliError(
    matches.length === 0
      ? `no run ${which} in ${name}`
      : `${which} matches ${matches.length} runs; give more of the id`,
  )
}

async function logBytes(ctx: CliContext, id: string): Promise<Buffer> {
  const { data, response } = await ctx.client.GET('/api/runs/{id}/log', {
    params: { path: { id } },
    parseAs: 'arrayBuffer',
  })
  if (!response.ok || !data) unwrap({ error: undefined, response })
  return Buffer.from(data as ArrayBuffer)
}

/** `orbit logs NAME [RUN] [-f]`: a run's output (the latest run by default); -f follows it live. */
export async function logs(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { follow: { type: 'boolean', short: 'f' } },
  })
  const [name, which] = positionals
  if (!name || positionals.length > 2) throw new CliError('usage: orbit logs NAME [RUN] [-f]', 2)
  const run = await pickRun(ctx, name, which)
  if (!values.follow || (run.state !== 'running' && run.state !== 'starting')) {
    process.stdout.write(await logBytes(ctx, run.id))
    if (run.error) process.stderr.write(`orbit: run ${run.id.slice(0, 8)} ${run.state}: ${run.error}\n`)
    return 0
  }
  // Subscribe, then read the log: output that arrives between the two is in both, and the
  // events' log offsets tell which part of each is new.
  const feed = await EventFeed.open(ctx, { subject: run.id, types: 'run.output,run.ended' })
  try {
    // It may have ended before the subscription: then its end is not coming, and the log is whole.
    const now = unwrap(await ctx.client.GET('/api/runs/{id}', { params: { path: { id: run.id } } }))
    if (now.state !== 'running' && now.state !== 'starting') {
      process.stdout.write(await logBytes(ctx, run.id))
      return 0
    }
    const head = await logBytes(ctx, run.id)
    process.stdout.write(head)
    let printed = head.length
    for (;;) {
      const e = await feed.next()
      if (!e || e.type === 'run.ended') return 0
      const d = e.data as { text: string; offset: number }
      const bytes = Buffer.from(d.text)
      if (d.offset + bytes.length <= printed) continue
      process.stdout.write(bytes.subarray(Math.max(0, printed - d.offset)))
      printed = d.offset + bytes.length
    }
  } finally {
    feed.close()
  }
}
