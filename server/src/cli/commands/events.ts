import { parseArgs } from 'node:util'
import type { CliContext } from '../context.ts'
import { EventFeed, type OrbitEvent } from '../follow.ts'

type Data = Record<string, unknown>

const short = (s: unknown, n = 120): string => {
  const t = JSON.stringify(s) ?? ''
  return t.length > n ? `${t.slice(0, n - 1)}…` : t
}

/** One line a person can read for an event. */
export function describeEvent(e: OrbitEvent): string {
  const d = (e.data ?? {}) as Data
  const time = e.time.slice(11, 23)
  let what: string
  switch (true) {
    case e.type === 'container.state':
      what = `${d.name}: ${d.previous} -> ${d.state}${d.reason ? ` (${d.reason})` : ''}`
      break
    case e.type === 'job.progress': {
      const p = (d.progress ?? {}) as Data
      what =
        `${d.kind} ${d.phase ?? ''} ${p.done ?? ''}${p.total ? `/${p.total}` : ''} ${p.message ?? ''}`.trim()
      break
    }
    case e.type.startsWith('job.'):
      what = `${d.kind} ${d.state}${d.error ? ` ${short(d.error)}` : ''}`
      break
    case e.type === 'run.output':
      what = `${d.stream}: ${short(d.text)}`
      break
    case e.type.startsWith('run.'):
      what = `${d.program} ${d.state}${d.exitCode !== null && d.exitCode !== undefined ? ` exit ${d.exitCode}` : ''}${d.signal ? ` signal ${d.signal}` : ''}`
      break
    case e.type === 'install.progress':
      what = `${d.phase}: ${d.line ?? d.message ?? ''}`
      break
    case e.type.startsWith('container.'):
      what = `${d.name ?? ''}${d.state ? ` ${d.state}` : ''}${d.reason ? ` (${d.reason})` : ''}`
      break
    case e.type === 'audit':
      what = `${d.actor} ${d.action} ${d.target ?? ''} ${d.result}`
      break
    default:
      what = short(d)
  }
  return `${time}  ${e.type.padEnd(16)} ${e.subject.slice(0, 36).padEnd(36)} ${what}`.trimEnd()
}

/** `orbit events [--types T] [--subject S] [--json]`: the live event stream until Ctrl+C. */
export async function events(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { types: { type: 'string' }, subject: { type: 'string' }, json: { type: 'boolean' } },
  })
  const feed = await EventFeed.open(ctx, {
    ...(values.types ? { types: values.types } : {}),
    ...(values.subject ? { subject: values.subject } : {}),
  })
  process.once('SIGINT', () => {
    feed.close()
  })
  for (;;) {
    const e = await feed.next()
    if (!e) return 0
    ctx.out(values.json ? JSON.stringify(e) : describeEvent(e))
  }
}
