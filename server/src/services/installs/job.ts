import { rm } from 'node:fs/promises'
import type { InstallEvent } from '../../../../native/core-api.ts'
import type { Progress } from '../../../../native/store-api.ts'
import type { InstallResult } from '../../../../openapi/installs.ts'
import type { JobContext } from '../../jobs/types.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { endLeftovers } from '../containers/leftovers.ts'
import { mirrorOf } from '../containers/model.ts'
import { updateRow } from '../containers/store.ts'
import type { InstallParams } from './start.ts'

/** Exit codes that mean success: 0, and "success, reboot required" (MSI 3010, 1641). */
const okExitCodes = new Set([0, 1641, 3010])

export type InstallProgress =
  | { jobId: string; containerId: string; phase: 'install'; stream: 'stdout' | 'stderr'; line: string }
  | { jobId: string; containerId: string; phase: string; message: string }

/**
 * The container.install job: runs the installer in the container's sandbox through the core,
 * which writes manifest.json. Progress goes to the job (phase, counters) and, line by line, to
 * install.progress events. Not resumable: an install cut short leaves the layer half-written,
 * so the container ends `failed` (installs/outcome.ts) and a new install is the way on.
 */
export async function runInstallJob(
  deps: ContainerDeps,
  ctx: JobContext<InstallParams>,
): Promise<InstallResult> {
  const p = ctx.params
  const publish = (data: InstallProgress) => deps.events.publish('install.progress', p.containerId, data)
  // The core's install has no cancel of its own: ending the sandbox ends the installer, and the
  // core then finishes quickly.
  const stop = () => {
    deps.core.stopInstance(p.containerId, 2000).catch(() => {})
  }
  ctx.signal.addEventListener('abort', stop, { once: true })
  // An installer waiting for input that never comes (a dialog /qn did not silence) would hold the
  // container `installing` for ever: past its time it is stopped like a cancel, and the job says why.
  const limit = p.timeoutSeconds ?? deps.config.installTimeoutSeconds
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  const startTimer = () => {
    timer = setTimeout(() => {
      timedOut = true
      stop()
    }, limit * 1000)
  }
  const timeoutError = () =>
    Object.assign(
      new Error(
        `the installer was still running after ${limit} s and was stopped; what it changed is in the manifest`,
      ),
      { code: 'ETIMEOUT' },
    )
  let lines = 0
  try {
    await endLeftovers(deps, p.containerId)
    const before = await snapshotBefore(deps, ctx)
    ctx.progress({ done: 0, total: null, unit: 'lines', message: `preparing ${p.filename}` }, 'prepare')
    startTimer()
    const manifest = await deps.core
      .install(
        deps.config.dataDir,
        p.containerId,
        p.file,
        p.args,
        (e: InstallEvent) => {
          const base = { jobId: ctx.job.id, containerId: p.containerId }
          if (e.phase === 'install') {
            ctx.progress({ done: ++lines, unit: 'lines', message: e.line }, 'install')
            publish({ ...base, phase: 'install', stream: e.stream, line: e.line })
          } else if (e.phase === 'scan') {
            ctx.progress(
              { done: e.filesSeen, unit: 'files', message: `${e.filesSeen} files scanned` },
              'scan',
            )
          } else {
            ctx.progress({ done: lines, message: e.message }, e.phase)
            publish({ ...base, phase: e.phase, message: e.message })
          }
        },
        { display: p.display ?? null },
      )
      .catch((err: unknown) => {
        throw timedOut ? timeoutError() : err
      })
      .finally(() => clearTimeout(timer))
    try {
      const info = await deps.core.getContainer(deps.config.dataDir, p.containerId)
      updateRow(deps.db, p.containerId, { ...mirrorOf(info), updatedAt: Date.now() })
    } catch {
      updateRow(deps.db, p.containerId, { installed: true, updatedAt: Date.now() })
    }
    const { installer } = manifest
    if (timedOut) throw timeoutError()
    if (installer.exitCode === null || !okExitCodes.has(installer.exitCode)) {
      const how =
        installer.exitCode === null
          ? `was ended by signal ${installer.signal}`
          : `exited with code ${installer.exitCode}`
      throw Object.assign(new Error(`the installer ${how}; what it changed is in the manifest`), {
        code: 'EINSTALLER',
      })
    }
    ctx.progress({ done: 0, total: null, unit: 'bytes', message: 'snapshot post-install' }, 'snapshot')
    const after = await deps.core.createSnapshot(deps.config.dataDir, p.containerId, 'post-install', {
      signal: ctx.signal,
      onProgress: snapshotProgress(ctx),
    })
    publish({ jobId: ctx.job.id, containerId: p.containerId, phase: 'snapshot', message: after.snapshot.id })
    return {
      containerId: p.containerId,
      installer,
      summary: manifest.summary,
      apps: manifest.entryPoints,
      snapshots: { before, after: after.snapshot.id },
    }
  } finally {
    clearTimeout(timer)
    ctx.signal.removeEventListener('abort', stop)
    await rm(p.uploadDir, { recursive: true, force: true })
  }
}

/** Snapshot progress as job progress (bytes, with the file count as the message). */
export const snapshotProgress =
  (ctx: Pick<JobContext, 'progress'>) =>
  (p: Progress): void =>
    ctx.progress(
      {
        done: p.bytesDone,
        total: p.bytesTotal || null,
        unit: 'bytes',
        message: `${p.filesDone}/${p.filesTotal} files`,
      },
      `snapshot: ${p.phase}`,
    )

/**
 * The snapshot the install starts from: 000-base before the first install, NNN-pre-install
 * before a later one. Retrying after a failed (or cut short) install, the container first goes
 * back to the snapshot taken before that install, so the new capture starts from a clean layer.
 */
async function snapshotBefore(deps: ContainerDeps, ctx: JobContext<InstallParams>): Promise<string> {
  const { dataDir } = deps.config
  const id = ctx.params.containerId
  const snaps = await deps.core.listSnapshots(dataDir, id)
  const opts = { signal: ctx.signal, onProgress: snapshotProgress(ctx) }
  if (ctx.params.previousState === 'failed') {
    const clean = snaps.findLast((s) => s.label === 'base' || s.label === 'pre-install')
    if (clean) {
      ctx.progress({ done: 0, total: null, unit: 'bytes', message: `back to ${clean.id}` }, 'rollback')
      await deps.core.restoreSnapshot(dataDir, id, clean.id, opts)
      return clean.id
    }
  }
  const label = snaps.length === 0 ? 'base' : 'pre-install'
  ctx.progress({ done: 0, total: null, unit: 'bytes', message: `snapshot ${label}` }, 'snapshot')
  return (await deps.core.createSnapshot(dataDir, id, label, opts)).snapshot.id
}
