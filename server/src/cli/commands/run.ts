import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { EventFeed } from '../follow.ts'
import { keyValues } from '../kv.ts'

type Run = components['schemas']['Run']

const usage = 'usage: orbit run [--env K=V]... [--detach] NAME [--] PROGRAM [ARGS...]'

/** Options come before PROGRAM (before or after NAME); everything after PROGRAM is the program's. */
function parse(args: string[]) {
  const env: string[] = []
  let detach = false
  let name: string | undefined
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--') {
      i++
      break
    }
    if (a === '--env' || a === '-e') {
      const v = args[++i]
      if (v === undefined) throw new CliError(`--env takes KEY=VALUE; ${usage}`, 2)
      env.push(v)
    } else if (a.startsWith('--env=')) env.push(a.slice('--env='.length))
    else if (a === '--detach' || a === '-d') detach = true
    else if (a.startsWith('-')) throw new CliError(`unknown option ${a}; ${usage}`, 2)
    else if (name === undefined) name = a
    else break
  }
  const program = args[i++]
  if (!name || !program) throw new CliError(usage, 2)
  return { name, program, args: args.slice(i), env: keyValues(env, '--env'), detach }
}

/** What `orbit run` exits with: the program's code, 128+signal when a signal ended it. */
export function exitCodeOf(run: Run): number {
  if (run.exitCode !== null) return run.exitCode
  if (run.signal !== null) return 128 + run.signal
  return 1
}

/**
 * `orbit run NAME [--] PROGRAM [ARGS...]`: starts the program, streams its output live (stdout
 * to stdout, stderr to stderr) and exits with its exit code. Ctrl+C stops the run; twice leaves.
 */
export async function run(args: string[], ctx: CliContext): Promise<number> {
  const opts = parse(args)
  // Subscribed before the start, so the first line of output is not missed.
  const feed = opts.detach ? undefined : await EventFeed.open(ctx, { types: 'run.*' })
  let interrupts = 0
  let started: Run | undefined
  const onInt = () => {
    interrupts++
    if (interrupts > 1 || !started) process.exit(130)
    process.stderr.write(`\norbit: stopping run ${started.id} (Ctrl+C again to leave it running)\n`)
    ctx.client
      .POST('/api/runs/{id}/stop', { params: { path: { id: started.id }, query: {} } })
      .catch(() => {})
  }
  process.on('SIGINT', onInt)
  try {
    started = unwrap(
      await ctx.client.POST('/api/containers/{id}/runs', {
        params: { path: { id: opts.name } },
        body: { program: opts.program, args: opts.args, ...(opts.env ? { env: opts.env } : {}) },
      }),
    )
    if (!feed) {
      ctx.out(started.id)
      return 0
    }
    for (;;) {
      const e = await feed.next()
      if (!e) break
      if (e.subject !== started.id) continue
      if (e.type === 'run.output') {
        const d = e.data as { stream: 'stdout' | 'stderr'; text: string }
        ;(d.stream === 'stderr' ? process.stderr : process.stdout).write(d.text)
      } else if (e.type === 'run.ended') {
        const ended = e.data as Run
        if (ended.state === 'lost' || ended.state === 'failed') {
          throw new CliError(`the run ${ended.state === 'lost' ? 'was lost' : 'failed'}: ${ended.error}`)
        }
        return exitCodeOf(ended)
      }
    }
    const now = unwrap(await ctx.client.GET('/api/runs/{id}', { params: { path: { id: started.id } } }))
    if (now.state === 'running') {
      throw new CliError(`lost the connection to the gateway; run ${now.id} may still be running`)
    }
    return exitCodeOf(now)
  } finally {
    process.off('SIGINT', onInt)
    feed?.close()
  }
}
