import { parseArgs } from 'node:util'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { jobWithProgress } from '../follow.ts'
import { formatBytes } from '../progress.ts'
import { table } from './container.ts'

type Snapshot = components['schemas']['Snapshot']

const usage =
  'usage: orbit snapshot create NAME [--label L] | ls NAME [--json] | restore NAME SNAP | rm NAME SNAP | diff NAME SNAP [--from OTHER] [--json]'

/** `orbit snapshot create|ls|restore|rm|diff`. */
export async function snapshot(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: { label: { type: 'string' }, json: { type: 'boolean' }, from: { type: 'string' } },
  })
  const [name, snap] = positionals
  const need = (n: number) => {
    if (positionals.length !== n || !name || (n === 2 && !snap)) throw new CliError(usage, 2)
  }
  switch (sub) {
    case 'create': {
      need(1)
      const job = await jobWithProgress(ctx, async () => {
        const res = await ctx.client.POST('/api/containers/{id}/snapshots', {
          params: { path: { id: name as string } },
          body: { label: values.label ?? 'manual' },
        })
        return unwrap(res).job
      })
      const s = job.result as Snapshot
      ctx.out(
        values.json
          ? JSON.stringify(s, null, 2)
          : `snapshot ${s.id} of ${name}: ${s.files} files, ${formatBytes(s.bytes)}`,
      )
      return 0
    }
    case 'ls':
    case 'list': {
      need(1)
      const { items } = unwrap(
        await ctx.client.GET('/api/containers/{id}/snapshots', { params: { path: { id: name as string } } }),
      )
      if (values.json) ctx.out(JSON.stringify(items, null, 2))
      else if (items.length === 0) ctx.out(`${name} has no snapshots yet`)
      else {
        const rows = items.map((s) => [
          s.id,
          s.createdAt,
          String(s.files),
          formatBytes(s.bytes),
          s.parent ?? '-',
        ])
        for (const line of table([['SNAPSHOT', 'CREATED', 'FILES', 'SIZE', 'PARENT'], ...rows])) ctx.out(line)
      }
      return 0
    }
    case 'restore': {
      need(2)
      await jobWithProgress(ctx, async () => {
        const res = await ctx.client.POST('/api/containers/{id}/snapshots/{snapshot}/restore', {
          params: { path: { id: name as string, snapshot: snap as string } },
        })
        return unwrap(res).job
      })
      ctx.out(`restored ${name} to ${snap}`)
      return 0
    }
    case 'rm':
    case 'delete': {
      need(2)
      unwrap(
        await ctx.client.DELETE('/api/containers/{id}/snapshots/{snapshot}', {
          params: { path: { id: name as string, snapshot: snap as string } },
        }),
      )
      ctx.out(`removed snapshot ${snap} of ${name}`)
      return 0
    }
    case 'diff': {
      need(2)
      const d = unwrap(
        await ctx.client.GET('/api/containers/{id}/snapshots/{snapshot}/diff', {
          params: {
            path: { id: name as string, snapshot: snap as string },
            query: values.from ? { from: values.from } : {},
          },
        }),
      )
      if (values.json) {
        ctx.out(JSON.stringify(d, null, 2))
        return 0
      }
      ctx.out(`${d.from} -> ${d.to}`)
      for (const f of d.files.added) ctx.out(`  + ${f.path}`)
      for (const f of d.files.changed) ctx.out(`  ~ ${f.path} (${f.reasons.join(', ')})`)
      for (const f of d.files.removed) ctx.out(`  - ${f.path}`)
      const r = d.registry
      for (const k of r.keysAdded) ctx.out(`  + [${k}]`)
      for (const k of r.keysRemoved) ctx.out(`  - [${k}]`)
      for (const v of r.valuesAdded)
        ctx.out(`  + [${v.key}] "${v.value.name}"=${JSON.stringify(v.value.data)}`)
      for (const v of r.valuesChanged) {
        ctx.out(
          `  ~ [${v.key}] "${v.new.name}"=${JSON.stringify(v.old.data)} -> ${JSON.stringify(v.new.data)}`,
        )
      }
      for (const v of r.valuesRemoved) ctx.out(`  - [${v.key}] "${v.value.name}"`)
      return 0
    }
    default:
      throw new CliError(sub ? `unknown subcommand "snapshot ${sub}"; ${usage}` : usage, 2)
  }
}
