import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'

type RegistryValue = components['schemas']['RegistryValue']
type RegistryValueType = components['schemas']['RegistryValueType']
type RegistryValueSet = components['schemas']['RegistryValueSet']

const types: readonly RegistryValueType[] = [
  'sz',
  'expand_sz',
  'multi_sz',
  'dword',
  'qword',
  'binary',
  'none',
  'hex',
]

const usage =
  'usage: orbit reg get NAME KEY [VALUE] | set NAME KEY VALUE DATA... [--type T] | rm NAME KEY [VALUE] | ' +
  'export NAME KEY [-o FILE.reg] | import NAME FILE.reg'

/** `orbit reg get|set|rm|export|import ...`: a container's registry. */
export async function reg(args: string[], ctx: CliContext): Promise<number> {
  const [verb, ...rest] = args
  switch (verb) {
    case 'get':
      return get(rest, ctx)
    case 'set':
      return set(rest, ctx)
    case 'rm':
      return rm(rest, ctx)
    case 'export':
      return exportKey(rest, ctx)
    case 'import':
      return importFile(rest, ctx)
    default:
      throw new CliError(usage, 2)
  }
}

const options = {
  json: { type: 'boolean' },
  type: { type: 'string', short: 't' },
  'raw-type': { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const

/** Every verb takes the same options (each uses those it needs). */
const parse = (args: string[]) => parseArgs({ args, allowPositionals: true, strict: true, options })

/** How `reg get` shows data: what regedit would show, roughly. */
export function showData(v: RegistryValue): string {
  if (Array.isArray(v.data)) return v.data.map((s) => JSON.stringify(s)).join(', ')
  if (v.type === 'dword' || v.type === 'qword') {
    const n = BigInt(v.data)
    return `${n} (0x${n.toString(16)})`
  }
  if (v.type === 'sz' || v.type === 'expand_sz') return JSON.stringify(v.data)
  return `hex:${String(v.data)}${v.raw_type !== undefined && v.type === 'hex' ? ` (type ${v.raw_type})` : ''}`
}

const showValue = (v: RegistryValue) => `${v.name === '' ? '(default)' : v.name}  ${v.type}  ${showData(v)}`

async function get(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args)
  const [name, key, value] = positionals
  if (!name || !key || positionals.length > 3)
    throw new CliError('usage: orbit reg get NAME KEY [VALUE] [--json]', 2)
  const path = { id: name }
  if (value !== undefined) {
    const v = unwrap(
      await ctx.client.GET('/api/containers/{id}/registry/value', {
        params: { path, query: { key, name: value } },
      }),
    )
    ctx.out(values.json ? JSON.stringify(v, null, 2) : showValue(v))
    return 0
  }
  const k = unwrap(
    await ctx.client.GET('/api/containers/{id}/registry', { params: { path, query: { key } } }),
  )
  if (values.json) {
    ctx.out(JSON.stringify(k, null, 2))
    return 0
  }
  ctx.out(`${k.path}${k.modified ? `  (modified ${k.modified.replace('T', ' ').slice(0, 19)})` : ''}`)
  for (const s of k.subkeys) ctx.out(`  ${s}\\`)
  for (const v of k.values) ctx.out(`  ${showValue(v)}`)
  if (k.subkeys.length === 0 && k.values.length === 0) ctx.out('  (empty)')
  return 0
}

/** DATA as the API takes it for `type`: numbers for dword/qword (decimal or 0x), hex for bytes. */
export function toData(type: RegistryValueType, data: string[]): RegistryValueSet['data'] {
  if (type === 'multi_sz') return data
  if (data.length !== 1) throw new CliError(`a ${type} value takes one DATA (several only for multi_sz)`, 2)
  const [one = ''] = data
  if (type === 'dword' || type === 'qword') {
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(one))
      throw new CliError(`${type} data must be a number (decimal or 0x...)`, 2)
    const n = BigInt(one)
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString()
  }
  if (type === 'binary' || type === 'none' || type === 'hex') {
    const hex = one.replace(/^hex:/i, '').replace(/[\s,]/g, '').toLowerCase()
    if (!/^([0-9a-f]{2})*$/.test(hex))
      throw new CliError('binary data must be hex bytes, e.g. 0a1b or 0a,1b', 2)
    return hex
  }
  return one
}

async function set(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args)
  const [name, key, value, ...data] = positionals
  if (!name || !key || value === undefined || data.length === 0) {
    throw new CliError(
      'usage: orbit reg set NAME KEY VALUE DATA... [--type sz|expand_sz|multi_sz|dword|qword|binary|none|hex]',
      2,
    )
  }
  const type = (values.type ?? 'sz') as RegistryValueType
  if (!types.includes(type)) throw new CliError(`unknown type "${type}"; one of ${types.join(', ')}`, 2)
  const rawType = values['raw-type'] === undefined ? undefined : Number(values['raw-type'])
  const body: RegistryValueSet = {
    key,
    name: value,
    type,
    data: toData(type, data),
    ...(rawType === undefined ? {} : { raw_type: rawType }),
  }
  const stored = unwrap(
    await ctx.client.PUT('/api/containers/{id}/registry/value', { params: { path: { id: name } }, body }),
  )
  ctx.out(values.json ? JSON.stringify(stored, null, 2) : `set ${key}\\${showValue(stored)}`)
  return 0
}

async function rm(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parse(args)
  const [name, key, value] = positionals
  if (!name || !key || positionals.length > 3) throw new CliError('usage: orbit reg rm NAME KEY [VALUE]', 2)
  const path = { id: name }
  if (value !== undefined) {
    unwrap(
      await ctx.client.DELETE('/api/containers/{id}/registry/value', {
        params: { path, query: { key, name: value } },
      }),
    )
    ctx.out(`deleted value ${value === '' ? '(default)' : value} of ${key}`)
  } else {
    unwrap(await ctx.client.DELETE('/api/containers/{id}/registry/key', { params: { path, query: { key } } }))
    ctx.out(`deleted ${key} and everything below it`)
  }
  return 0
}

async function exportKey(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args)
  const [name, key] = positionals
  if (!name || !key || positionals.length !== 2)
    throw new CliError('usage: orbit reg export NAME KEY [-o FILE.reg]', 2)
  const text = unwrap(
    await ctx.client.GET('/api/containers/{id}/registry/export', {
      params: { path: { id: name }, query: { key } },
      parseAs: 'text',
    }),
  ) as string
  if (!values.output || values.output === '-') {
    process.stdout.write(text)
    return 0
  }
  const out = resolve(values.output)
  const partial = `${out}.partial`
  try {
    writeFileSync(partial, text)
    renameSync(partial, out)
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  }
  if (values.json) ctx.out(JSON.stringify({ file: out, bytes: Buffer.byteLength(text) }))
  else ctx.out(`exported ${key} to ${out}`)
  return 0
}

async function importFile(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(args)
  const [name, file] = positionals
  if (!name || !file || positionals.length !== 2)
    throw new CliError('usage: orbit reg import NAME FILE.reg', 2)
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`)
  }
  const r = unwrap(
    await ctx.client.POST('/api/containers/{id}/registry/import', {
      params: { path: { id: name } },
      body: bytes as unknown as string,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  )
  if (values.json) ctx.out(JSON.stringify(r, null, 2))
  else {
    ctx.out(
      `imported ${file}: ${r.valuesSet} value(s) set, ${r.keysCreated} key(s) created, ` +
        `${r.valuesDeleted} value(s) and ${r.keysDeleted} key(s) deleted`,
    )
  }
  return 0
}
