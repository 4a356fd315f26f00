import { parseArgs } from 'node:util'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'

type Scope = components['schemas']['CreateApiToken']['scopes'][number]
type ApiToken = components['schemas']['ApiToken']

const usage = `Usage:
  orbit token create --scope S [--scope S ...] [--expires 30d] [--name N] [--json]
  orbit token ls [--all] [--json]
  orbit token revoke ID`

const day = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : '-')
const state = (t: ApiToken) =>
  t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= Date.now() ? 'expired' : 'active'

/** `orbit token create|ls|revoke`: scoped API tokens for tools and the CLI itself. */
export async function token(args: string[], ctx: CliContext, err = console.error): Promise<number> {
  const [verb, ...rest] = args
  switch (verb) {
    case 'create':
      return create(rest, ctx, err)
    case 'ls':
    case 'list':
      return list(rest, ctx)
    case 'revoke':
      return revoke(rest, ctx)
    default:
      throw new CliError(verb ? `unknown token command "${verb}"\n${usage}` : usage, 2)
  }
}

async function create(args: string[], ctx: CliContext, err: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      scope: { type: 'string', multiple: true },
      expires: { type: 'string', default: '30d' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  })
  const scopes = (values.scope ?? []).flatMap((s) => s.split(',')).filter(Boolean) as Scope[]
  if (scopes.length === 0) throw new CliError(`name at least one --scope\n${usage}`, 2)
  const name = values.name ?? `cli ${new Date().toISOString().slice(0, 10)}`
  const made = unwrap(
    await ctx.client.POST('/api/tokens', { body: { name, scopes, expiresIn: values.expires } }),
  )
  if (values.json) {
    ctx.out(JSON.stringify(made, null, 2))
    return 0
  }
  // The token alone on stdout, so `orbit token create ... > file` keeps just the secret.
  ctx.out(made.token)
  err(`token "${made.name}" (${made.id}): ${made.scopes.join(' ')}; expires ${day(made.expiresAt)}`)
  err('it is shown only this once: store it now (or: orbit login --token -)')
  return 0
}

async function list(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { all: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
  })
  const { items } = unwrap(
    await ctx.client.GET('/api/tokens', { params: { query: { all: values.all ? 'true' : 'false' } } }),
  )
  if (values.json) {
    ctx.out(JSON.stringify(items, null, 2))
    return 0
  }
  if (items.length === 0) {
    ctx.out('no tokens')
    return 0
  }
  const rows = items.map((t) => [
    t.id,
    t.name,
    state(t),
    day(t.expiresAt),
    day(t.lastUsedAt),
    t.scopes.join(','),
  ])
  const head = ['ID', 'NAME', 'STATE', 'EXPIRES', 'LAST USED', 'SCOPES']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  for (const r of [head, ...rows])
    ctx.out(
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
  return 0
}

async function revoke(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true })
  const [id] = positionals
  if (!id || positionals.length > 1) throw new CliError(`name one token id\n${usage}`, 2)
  unwrap(await ctx.client.DELETE('/api/tokens/{id}', { params: { path: { id } } }))
  ctx.out(`revoked ${id}`)
  return 0
}
