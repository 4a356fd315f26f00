import { parseArgs } from 'node:util'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { EventFeed, followJob, jobFailure } from '../follow.ts'
import { keyValues } from '../kv.ts'
import { ProgressBar } from '../progress.ts'

type Container = components['schemas']['Container']

const usage =
  'usage: orbit container create NAME [--runtime wine|native] [--env K=V]... [--network none|host] [--display none|host] | ls | show NAME | set NAME [--network none|host] [--display none|host] [--version V] | rm NAME | clone NAME NEW'

/** `orbit container create|ls|show|rm`. */
export async function container(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args
  switch (sub) {
    case 'create':
      return create(rest, ctx)
    case 'ls':
    case 'list':
      return list(rest, ctx)
    case 'show':
      return show(rest, ctx)
    case 'set':
      return set(rest, ctx)
    case 'rm':
    case 'delete':
      return remove(rest, ctx)
    case 'clone':
      return clone(rest, ctx)
    default:
      throw new CliError(sub ? `unknown subcommand "container ${sub}"; ${usage}` : usage, 2)
  }
}

function noneOrHost(value: string | undefined, flag: string): 'none' | 'host' | undefined {
  if (value === undefined || value === 'none' || value === 'host') return value
  throw new CliError(`${flag} is none or host`, 2)
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1 || !positionals[0]) throw new CliError(`expected ${what}; ${usage}`, 2)
  return positionals[0]
}

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      runtime: { type: 'string' },
      env: { type: 'string', multiple: true },
      label: { type: 'string', multiple: true },
      network: { type: 'string' },
      display: { type: 'string' },
      version: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  const name = one(positionals, 'NAME')
  const runtime = values.runtime ?? 'wine'
  if (runtime !== 'wine' && runtime !== 'native') throw new CliError('--runtime is wine or native', 2)
  const network = noneOrHost(values.network, '--network') ?? 'none'
  const display = noneOrHost(values.display, '--display') ?? 'none'
  const env = keyValues(values.env, '--env')
  const labels = keyValues(values.label, '--label')
  // Opened first: a 202 means a job makes the base runtime, and its events must not be missed.
  const feed = runtime === 'wine' ? await EventFeed.open(ctx, { types: 'job.*' }) : undefined
  try {
    const res = await ctx.client.POST('/api/containers', {
      body: {
        name,
        runtime,
        network,
        display,
        ...(env ? { env } : {}),
        ...(labels ? { labels } : {}),
        ...(values.version ? { version: values.version } : {}),
      },
    })
    let made: Container
    if (res.response.status === 202 && feed) {
      const pending = res.data as unknown as components['schemas']['ContainerPending']
      const bar = new ProgressBar()
      bar.line('making the Wine base runtime (once per installation; 15-60 s)')
      const job = await followJob(ctx, feed, pending.job.id, (e) => {
        const d = e.data as components['schemas']['Job']
        if (e.type === 'job.progress') bar.update({ ...(d.progress ?? {}), phase: d.phase })
      })
      bar.done()
      if (job.state !== 'succeeded') throw jobFailure(job)
      made = job.result as Container
    } else {
      made = unwrap(res) as Container
    }
    if (values.json) ctx.out(JSON.stringify(made, null, 2))
    else
      ctx.out(
        `created container ${made.name} (${made.id}, ${made.runtime.kind}${made.runtime.id ? ` on ${made.runtime.id}` : ''})`,
      )
    return 0
  } finally {
    feed?.close()
  }
}

/** Every container, all pages. */
async function allContainers(ctx: CliContext): Promise<Container[]> {
  const out: Container[] = []
  let cursor: string | undefined
  do {
    const page = unwrap(
      await ctx.client.GET('/api/containers', {
        params: { query: { limit: 1000, ...(cursor ? { cursor } : {}) } },
      }),
    )
    out.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return out
}

/** Rows as aligned columns. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}

async function list(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { json: { type: 'boolean' } } })
  const items = await allContainers(ctx)
  if (values.json) {
    ctx.out(JSON.stringify(items, null, 2))
    return 0
  }
  if (items.length === 0) {
    ctx.out("no containers yet; make one with 'orbit container create NAME'")
    return 0
  }
  const rows = items.map((c) => [
    c.name,
    c.id,
    c.state,
    c.runtime.kind,
    c.version ?? '-',
    c.installed ? 'yes' : 'no',
  ])
  for (const line of table([['NAME', 'ID', 'STATE', 'RUNTIME', 'VERSION', 'INSTALLED'], ...rows]))
    ctx.out(line)
  return 0
}

async function show(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' } },
  })
  const name = one(positionals, 'NAME')
  const c = unwrap(await ctx.client.GET('/api/containers/{id}', { params: { path: { id: name } } }))
  const apps = unwrap(
    await ctx.client.GET('/api/containers/{id}/apps', { params: { path: { id: c.id } } }),
  ).items
  const runs = unwrap(
    await ctx.client.GET('/api/containers/{id}/runs', {
      params: { path: { id: c.id }, query: { limit: 5 } },
    }),
  ).items
  if (values.json) {
    ctx.out(JSON.stringify({ ...c, apps, recentRuns: runs }, null, 2))
    return 0
  }
  const kv = (m: Record<string, string>) =>
    Object.keys(m).length === 0
      ? '-'
      : Object.entries(m)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
  ctx.out(`${c.name} (${c.id})`)
  ctx.out(`  state:    ${c.state}${c.stateReason ? ` (${c.stateReason})` : ''}`)
  ctx.out(`  version:  ${c.version ?? '-'}`)
  ctx.out(`  runtime:  ${c.runtime.kind}${c.runtime.id ? ` ${c.runtime.id}` : ''}`)
  ctx.out(`  network:  ${c.network}`)
  ctx.out(`  display:  ${c.display === 'host' ? "the host's X display" : 'none'}`)
  ctx.out(
    `  on disk:  ${c.disk ? `${c.disk.bytes} bytes (measured ${c.disk.measuredAt})` : 'not measured yet'}`,
  )
  ctx.out(
    `  limits:   memory ${c.limits.memoryMb ? `${c.limits.memoryMb} MiB` : 'unlimited'}, processes ${c.limits.pids ?? 'unlimited'}`,
  )
  ctx.out(`  env:      ${kv(c.env)}`)
  ctx.out(`  labels:   ${kv(c.labels)}`)
  ctx.out(`  created:  ${c.createdAt}`)
  ctx.out(`  apps:     ${apps.length === 0 ? '-' : apps.map((a) => `${a.name} (${a.target})`).join(', ')}`)
  for (const r of runs) {
    const end =
      r.exitCode !== null ? `exit ${r.exitCode}` : r.signal !== null ? `signal ${r.signal}` : r.state
    ctx.out(
      `  run ${r.id.slice(0, 8)}  ${r.startedAt}  ${r.state.padEnd(7)}  ${end}  ${r.program} ${r.args.join(' ')}`.trimEnd(),
    )
  }
  return 0
}

/** `orbit container set NAME --display host ...`: changes settings (one PATCH). */
async function set(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { network: { type: 'string' }, display: { type: 'string' }, version: { type: 'string' } },
  })
  const name = one(positionals, 'NAME')
  const network = noneOrHost(values.network, '--network')
  const display = noneOrHost(values.display, '--display')
  const body = {
    ...(network ? { network } : {}),
    ...(display ? { display } : {}),
    ...(values.version !== undefined ? { version: values.version === '' ? null : values.version } : {}),
  }
  if (Object.keys(body).length === 0) throw new CliError(`nothing to change; ${usage}`, 2)
  const c = unwrap(await ctx.client.PATCH('/api/containers/{id}', { params: { path: { id: name } }, body }))
  ctx.out(`updated ${c.name}: network ${c.network}, display ${c.display}, version ${c.version ?? '-'}`)
  return 0
}

async function remove(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} })
  const name = one(positionals, 'NAME')
  unwrap(await ctx.client.DELETE('/api/containers/{id}', { params: { path: { id: name } } }))
  ctx.out(`removed container ${name}`)
  return 0
}

async function clone(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' } },
  })
  const [name, copy] = positionals
  if (!name || !copy || positionals.length !== 2) throw new CliError(`expected NAME NEW; ${usage}`, 2)
  const made = unwrap(
    await ctx.client.POST('/api/containers/{id}/clone', {
      params: { path: { id: name } },
      body: { name: copy },
    }),
  )
  ctx.out(values.json ? JSON.stringify(made, null, 2) : `cloned ${name} into ${made.name} (${made.id})`)
  return 0
}
