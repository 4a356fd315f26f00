import { parseArgs } from 'node:util'
import { unwrap } from '../../../../sdk-gen/client.ts'
import type { CliContext } from '../context.ts'
import { table } from './container.ts'

/** `orbit jobs [--json] [--all]`: recent jobs, newest first. */
export async function jobs(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { json: { type: 'boolean' }, limit: { type: 'string' } },
  })
  const limit = Math.min(200, Math.max(1, Number(values.limit ?? 20) || 20))
  const page = unwrap(await ctx.client.GET('/api/jobs', { params: { query: { limit } } }))
  if (values.json) {
    ctx.out(JSON.stringify(page.items, null, 2))
    return 0
  }
  if (page.items.length === 0) {
    ctx.out('no jobs yet')
    return 0
  }
  const progress = (j: (typeof page.items)[number]) => {
    const p = j.progress
    if (!p) return ''
    return p.total ? `${Math.floor((p.done / p.total) * 100)}%` : `${p.done}${p.unit ? ` ${p.unit}` : ''}`
  }
  const rows = page.items.map((j) => [
    j.id.slice(0, 8),
    j.kind,
    j.state,
    j.phase ?? '',
    progress(j),
    j.containerId ?? '',
    j.createdAt,
    j.error ? `${j.error.code}: ${j.error.message}` : '',
  ])
  for (const line of table([
    ['ID', 'KIND', 'STATE', 'PHASE', 'PROGRESS', 'CONTAINER', 'CREATED', 'ERROR'],
    ...rows,
  ])) {
    ctx.out(line)
  }
  return 0
}
