import { createWriteStream, renameSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream } from 'node:stream/web'
import { parseArgs } from 'node:util'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { formatBytes } from '../progress.ts'

type FileEntry = components['schemas']['FileEntry']

const usage = 'usage: orbit files ls NAME [PATH] [--json] | get NAME PATH [-o FILE]'

/** `orbit files ls|get ...`: a container's C: drive as its programs see it. */
export async function files(args: string[], ctx: CliContext): Promise<number> {
  const [verb, ...rest] = args
  if (verb === 'ls') return ls(rest, ctx)
  if (verb === 'get') return get(rest, ctx)
  throw new CliError(usage, 2)
}

/** One `ls -l`-like line: kind, size, time, name (a link with its target). */
export function showEntry(e: FileEntry): string {
  const kind = e.kind === 'dir' ? 'd' : e.kind === 'link' ? 'l' : '-'
  const size = e.kind === 'dir' ? '' : formatBytes(e.size)
  const when = e.mtime.replace('T', ' ').slice(0, 16)
  const name =
    e.kind === 'dir' ? `${e.name}\\` : e.kind === 'link' ? `${e.name} -> ${e.target ?? '?'}` : e.name
  return `${kind} ${size.padStart(9)}  ${when}  ${name}${e.origin === 'runtime' ? '' : '  *'}`
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' } },
  })
  const [name, path = 'C:\\'] = positionals
  if (!name || positionals.length > 2) throw new CliError('usage: orbit files ls NAME [PATH] [--json]', 2)
  const listing = unwrap(
    await ctx.client.GET('/api/containers/{id}/files', { params: { path: { id: name }, query: { path } } }),
  )
  if (values.json) {
    ctx.out(JSON.stringify(listing, null, 2))
    return 0
  }
  ctx.out(`${listing.path}  (* = written by the container)`)
  for (const e of listing.entries) ctx.out(showEntry(e))
  if (listing.entries.length === 0) ctx.out('(empty)')
  return 0
}

async function get(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  })
  const [name, path] = positionals
  if (!name || !path || positionals.length !== 2)
    throw new CliError('usage: orbit files get NAME PATH [-o FILE]', 2)
  const res = await ctx.client.GET('/api/containers/{id}/files/download', {
    params: { path: { id: name }, query: { path } },
    parseAs: 'stream',
  })
  const body = unwrap(res) as unknown as ReadableStream<Uint8Array>
  if (values.output === '-') {
    await pipeline(Readable.fromWeb(body), process.stdout)
    return 0
  }
  const fileName = path.split(/[\\/]/).filter(Boolean).at(-1) ?? 'file'
  const out = resolve(values.output ?? fileName)
  const partial = `${out}.partial`
  let bytes = 0
  try {
    const src = Readable.fromWeb(body)
    src.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    await pipeline(src, createWriteStream(partial))
    const expected = Number(res.response.headers.get('content-length') ?? bytes)
    if (bytes !== expected) throw new CliError(`the download was cut short (${bytes} of ${expected} bytes)`)
    renameSync(partial, out)
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  }
  if (values.json) ctx.out(JSON.stringify({ file: out, bytes }))
  else ctx.out(`saved ${path} to ${out} (${formatBytes(bytes)})`)
  return 0
}
