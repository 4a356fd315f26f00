import { parseArgs } from 'node:util'
import { unwrap } from '../../../../sdk-gen/client.ts'
import type { CliContext } from '../context.ts'

/** `orbit audit [--json] [--action A] [--target T] [--actor X] [--result R] [--limit N] [--verify]`. */
export async function audit(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      action: { type: 'string' },
      target: { type: 'string' },
      actor: { type: 'string' },
      result: { type: 'string' },
      limit: { type: 'string', default: '50' },
      verify: { type: 'boolean' },
    },
    strict: true,
  })
  if (values.verify) {
    const v = unwrap(await ctx.client.GET('/api/audit/verify'))
    if (values.json) ctx.out(JSON.stringify(v, null, 2))
    else if (v.ok) ctx.out(`the audit chain verifies (${v.entries} entries)`)
    else ctx.out(`the audit chain is BROKEN at entry ${v.brokenAt}: ${v.reason}`)
    return v.ok ? 0 : 1
  }
  const query = {
    limit: Number(values.limit),
    ...(values.action ? { action: values.action } : {}),
    ...(values.target ? { target: values.target } : {}),
    ...(values.actor ? { actor: values.actor } : {}),
    ...(values.result ? { result: values.result } : {}),
  }
  const page = unwrap(await ctx.client.GET('/api/audit', { params: { query } }))
  if (values.json) {
    ctx.out(JSON.stringify(page.items, null, 2))
    return 0
  }
  if (page.items.length === 0) {
    ctx.out('no entries')
    return 0
  }
  for (const e of page.items) {
    const when = e.at.replace('T', ' ').slice(0, 19)
    ctx.out(
      `${when}  ${e.actor}  ${e.action}  ${e.target ?? '-'}  ${e.result}${e.ip ? `  from ${e.ip}` : ''}`,
    )
  }
  return 0
}
