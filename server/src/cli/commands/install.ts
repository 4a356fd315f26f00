import { createReadStream, statSync } from 'node:fs'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError } from '../context.ts'
import { EventFeed, followJob, jobFailure } from '../follow.ts'
import { formatBytes, ProgressBar } from '../progress.ts'

type InstallResult = components['schemas']['InstallResult']
type Job = components['schemas']['Job']

const usage = 'usage: orbit install NAME INSTALLER [--timeout SECONDS] [--json] [-- ARGS...]'

/**
 * `orbit install NAME INSTALLER [--timeout SECONDS] [-- ARGS...]`: upload, follow the capture,
 * print what it found. `--timeout` overrides the gateway's limit for this installer's run.
 */
export async function install(args: string[], ctx: CliContext): Promise<number> {
  const dash = args.indexOf('--')
  const own = dash < 0 ? [...args] : args.slice(0, dash)
  const installerArgs = dash < 0 ? [] : args.slice(dash + 1)
  const json = own.includes('--json')
  let timeout: number | undefined
  const t = own.indexOf('--timeout')
  if (t >= 0) {
    const raw = own[t + 1] ?? ''
    if (!/^\d+$/.test(raw) || Number(raw) < 1) {
      throw new CliError(`--timeout needs a whole number of seconds (at least 1); ${usage}`, 2)
    }
    timeout = Number(raw)
    own.splice(t, 2)
  }
  const positionals = own.filter((a) => a !== '--json')
  const unknown = positionals.find((a) => a.startsWith('-'))
  if (unknown) throw new CliError(`unknown option ${unknown}; ${usage}`, 2)
  const [name, file] = positionals
  if (!name || !file || positionals.length !== 2) throw new CliError(usage, 2)
  let size: number
  try {
    const st = statSync(file)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
  } catch {
    throw new CliError(`cannot read the installer ${file}`)
  }

  const bar = new ProgressBar()
  const feed = await EventFeed.open(ctx, { types: 'job.*,install.progress' })
  try {
    bar.update({ phase: 'upload', done: 0, total: size, unit: 'bytes', message: basename(file) })
    let sent = 0
    const fromDisk = Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>
    const counted = fromDisk.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          sent += chunk.length
          bar.update({ done: sent })
          controller.enqueue(chunk)
        },
      }),
    )
    const accepted = unwrap(
      await ctx.client.POST('/api/containers/{id}/installs', {
        params: {
          path: { id: name },
          query: {
            filename: basename(file),
            ...(installerArgs.length > 0 ? { args: installerArgs } : {}),
            ...(timeout === undefined ? {} : { timeout }),
          },
        },
        // The installer streams from disk; the client's JSON serializer must leave it alone.
        body: counted as unknown as string,
        bodySerializer: (b: unknown) => b as BodyInit,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
        duplex: 'half',
      } as never),
    ) as components['schemas']['InstallAccepted']
    bar.line(
      `uploaded ${accepted.installer.name} (${formatBytes(accepted.installer.size)}, blake3 ${accepted.installer.blake3.slice(0, 16)}…)`,
    )
    const job = await followJob(ctx, feed, accepted.job.id, (e) => {
      if (e.type === 'job.progress') {
        const d = e.data as Pick<Job, 'phase' | 'progress'>
        bar.update({ ...(d.progress ?? {}), phase: d.phase })
      } else if (e.type === 'install.progress') {
        const d = e.data as { phase: string; line?: string; stream?: string }
        if (d.line !== undefined) bar.line(`  ${d.stream === 'stderr' ? '!' : '|'} ${d.line}`)
      }
    })
    bar.done()
    if (job.state !== 'succeeded') throw jobFailure(job)
    const result = job.result as InstallResult
    if (json) {
      ctx.out(JSON.stringify(result, null, 2))
      return 0
    }
    const s = result.summary
    const took = job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : 0
    ctx.out(
      `installed ${result.installer.name} into ${name} in ${(took / 1000).toFixed(1)} s (installer exit code ${result.installer.exitCode})`,
    )
    ctx.out(
      `  files:    ${s.filesAdded} added, ${s.filesChanged} changed, ${s.filesRemoved} removed (${formatBytes(s.bytesWritten)})`,
    )
    ctx.out(
      `  registry: ${s.keysAdded} keys added, ${s.keysRemoved} removed; ${s.valuesAdded} values added, ${s.valuesChanged} changed, ${s.valuesRemoved} removed`,
    )
    if (result.apps.length === 0) ctx.out('  apps:     none found (run programs by their C:\\ path)')
    for (const app of result.apps) ctx.out(`  app:      ${app.name}  (${app.target})`)
    return 0
  } finally {
    bar.done()
    feed.close()
  }
}
