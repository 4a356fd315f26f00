import { rm } from 'node:fs/promises'
import type { InstallEvent } from '../../../../native/core-api.ts'
import type { InstallResult } from '../../../../openapi/installs.ts'
import type { JobContext } from '../../jobs/types.ts'
import type { ContainerDeps } from '../containers/deps.ts'
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
  let lines = 0
  try {
    ctx.progress({ done: 0, total: null, unit: 'lines', message: `preparing ${p.filename}` }, 'prepare')
    const manifest = await deps.core.install(
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
          ctx.progress({ done: e.filesSeen, unit: 'files', message: `${e.filesSeen} files scanned` }, 'scan')
        } else {
          ctx.progress({ done: lines, message: e.message }, e.phase)
          publish({ ...base, phase: e.phase, message: e.message })
        }
      },
    )
    try {
      const info = await deps.core.getContainer(deps.config.dataDir, p.containerId)
      updateRow(deps.db, p.containerId, { ...mirrorOf(info), updatedAt: Date.now() })
    } catch {
      updateRow(deps.db, p.containerId, { installed: true, updatedAt: Date.now() })
    }
    const { installer } = manifest
    if (installer.exitCode === null || !okExitCodes.has(installer.exitCode)) {
      const how =
        installer.exitCode === null
          ? `was ended by signal ${installer.signal}`
          : `exited with code ${installer.exitCode}`
      throw Object.assign(new Error(`the installer ${how}; what it changed is in the manifest`), {
        code: 'EINSTALLER',
      })
    }
    return { containerId: p.containerId, installer, summary: manifest.summary, apps: manifest.entryPoints }
  } finally {
    ctx.signal.removeEventListener('abort', stop)
    await rm(p.uploadDir, { recursive: true, force: true })
  }
}
