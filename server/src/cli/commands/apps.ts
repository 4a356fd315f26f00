import { parseArgs } from 'node:util'
import { unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { table } from './container.ts'

/** `orbit apps NAME [--json]`: the entry points the install found. */
export async function apps(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' } },
  })
  const [name] = positionals
  if (!name || positionals.length !== 1) throw new CliError('usage: orbit apps NAME [--json]', 2)
  const { items } = unwrap(
    await ctx.client.GET('/api/containers/{id}/apps', { params: { path: { id: name } } }),
  )
  if (values.json) {
    ctx.out(JSON.stringify(items, null, 2))
    return 0
  }
  if (items.length === 0) {
    ctx.out(`${name} has no apps; install something with 'orbit install ${name} SETUP.exe'`)
    return 0
  }
  const rows = items.map((a) => [a.name, a.target, a.arguments ?? '', a.description ?? ''])
  for (const line of table([['APP', 'PROGRAM', 'ARGUMENTS', 'DESCRIPTION'], ...rows])) ctx.out(line)
  return 0
}
