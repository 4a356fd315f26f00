import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import { type components, OrbitApiError, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { jobWithProgress } from '../follow.ts'
import { passphrase } from '../passphrase.ts'
import { formatBytes } from '../progress.ts'

type ExportResult = components['schemas']['ExportResult']
type ImportResult = components['schemas']['ImportResult']

/** `orbit export NAME -o FILE.ctnr [--encrypt] [--with-runtime] [--with-snapshots] [--json]`. */
export async function exportCommand(
  args: string[],
  ctx: CliContext,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      encrypt: { type: 'boolean' },
      'with-runtime': { type: 'boolean' },
      'with-snapshots': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  })
  const [name] = positionals
  if (!name || positionals.length !== 1 || !values.output) {
    throw new CliError(
      'usage: orbit export NAME -o FILE.ctnr [--encrypt] [--with-runtime] [--with-snapshots]',
      2,
    )
  }
  const out = resolve(values.output)
  const secret = values.encrypt ? await passphrase(env, { required: true, confirm: true }) : undefined
  const job = await jobWithProgress(ctx, async () => {
    const res = await ctx.client.POST('/api/containers/{id}/exports', {
      params: { path: { id: name } },
      body: {
        includeRuntime: values['with-runtime'] ?? false,
        includeSnapshots: values['with-snapshots'] ?? false,
        ...(secret ? { passphrase: secret } : {}),
      },
    })
    return unwrap(res).job
  })
  const result = job.result as ExportResult
  const { data, response } = await ctx.client.GET('/api/exports/{id}', {
    params: { path: { id: job.id } },
    parseAs: 'stream',
  })
  if (!response.ok || !data)
    throw new OrbitApiError(response.status, undefined, `the download failed (HTTP ${response.status})`)
  const partial = `${out}.partial`
  try {
    await pipeline(
      Readable.fromWeb(data as import('node:stream/web').ReadableStream<Uint8Array>),
      createWriteStream(partial, { mode: 0o600 }),
    )
    renameSync(partial, out)
  } catch (err) {
    rmSync(partial, { force: true })
    throw err
  }
  await ctx.client.DELETE('/api/exports/{id}', { params: { path: { id: job.id } } })
  if (values.json) ctx.out(JSON.stringify({ ...result, file: out }, null, 2))
  else {
    const what = [
      result.encrypted ? 'encrypted' : 'not encrypted',
      result.runtimeIncluded ? 'with its runtime' : '',
    ]
    ctx.out(`exported ${name} to ${out} (${formatBytes(result.bytes)}, ${what.filter(Boolean).join(', ')})`)
    ctx.out(`  signed by ${result.signer.fingerprint}`)
  }
  return 0
}

/** `orbit import FILE.ctnr [--name NEW] [--trust] [--json]`. */
export async function importCommand(
  args: string[],
  ctx: CliContext,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { name: { type: 'string' }, trust: { type: 'boolean' }, json: { type: 'boolean' } },
  })
  const [file] = positionals
  if (!file || positionals.length !== 1)
    throw new CliError('usage: orbit import FILE.ctnr [--name NEW] [--trust]', 2)
  let size: number
  try {
    size = statSync(file).size
  } catch {
    throw new CliError(`cannot read ${file}`)
  }
  // No prompt up front: an unencrypted archive needs no passphrase. When the archive turns out
  // to be encrypted (EBADPASS) and there is a terminal, ask and upload it once more.
  let secret = env.ORBIT_PASSPHRASE || undefined
  let job: components['schemas']['Job'] | undefined
  while (!job) {
    try {
      job = await importOnce(ctx, file, size, values, secret)
    } catch (err) {
      if (!(err instanceof CliError)) throw err
      if (/EUNTRUSTED/.test(err.message)) {
        throw new CliError(`${err.message}; if you trust its signer, import again with --trust`)
      }
      if (!/EBADPASS/.test(err.message) || secret) throw err
      if (!process.stdin.isTTY) {
        throw new CliError(`${err.message}; the archive is encrypted: set ORBIT_PASSPHRASE`)
      }
      secret = await passphrase(env, { required: true, confirm: false })
    }
  }
  const r = job.result as ImportResult
  if (values.json) {
    ctx.out(JSON.stringify(r, null, 2))
    return 0
  }
  ctx.out(`imported ${basename(file)} as ${r.container.name} (${r.container.id}, ${r.container.state})`)
  ctx.out(`  signed by ${r.signer.fingerprint}${r.trustedNow ? ' (trusted from now on)' : ''}`)
  ctx.out(
    `  ${r.totals.files} files, ${formatBytes(r.totals.bytes)}; runtime ${r.runtime ? `${r.runtime.id} (${r.runtime.source})` : 'none'}`,
  )
  return 0
}

/** One upload of the archive as an import job, followed to its end. */
function importOnce(
  ctx: CliContext,
  file: string,
  size: number,
  values: { name?: string | undefined; trust?: boolean | undefined },
  secret: string | undefined,
): Promise<components['schemas']['Job']> {
  return jobWithProgress(ctx, async () => {
    const body = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>
    const res = await ctx.client.POST('/api/imports', {
      params: {
        query: { ...(values.name ? { name: values.name } : {}), trust: values.trust ? 'true' : 'false' },
        header: secret ? { 'orbit-passphrase': secret } : {},
      },
      body: body as unknown as string,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      duplex: 'half',
    } as never)
    return (unwrap(res) as components['schemas']['ImportAccepted']).job
  })
}
