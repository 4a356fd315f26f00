import { removeStaleUploads } from '../installs/cleanup.ts'
import { runInstallJob } from '../installs/job.ts'
import { followInstallOutcomes } from '../installs/outcome.ts'
import type { InstallParams } from '../installs/start.ts'
import { markLostRuns } from '../runs/recover.ts'
import { restoreJobKind, snapshotJobKind } from '../snapshots/model.ts'
import { type RestoreParams, runRestoreJob } from '../snapshots/restore.ts'
import { runSnapshotJob, type SnapshotParams } from '../snapshots/take.ts'
import { type ExportParams, removeStaleExports, runExportJob } from '../transfer/export.ts'
import { type ImportParams, runImportJob } from '../transfer/import.ts'
import { exportJobKind, importJobKind } from '../transfer/kinds.ts'
import { runCreateJob } from './create.ts'
import type { ContainerDeps } from './deps.ts'
import { createJobKind, installJobKind } from './kinds.ts'
import { reconcileContainers } from './reconcile.ts'

/**
 * Everything containers need before the job queue starts: their job kinds, the install outcome
 * follower (which must see the jobs the queue fails at start), and settling what a previous
 * gateway left (lost runs, folders vs rows, transient states, stale uploads).
 */
export async function prepareContainerServices(deps: ContainerDeps): Promise<void> {
  deps.jobs.register<{ spec: Record<string, unknown> }, unknown>(
    createJobKind,
    (ctx) => runCreateJob(deps, ctx as never),
    { resumable: true },
  )
  deps.jobs.register<InstallParams, unknown>(installJobKind, (ctx) => runInstallJob(deps, ctx), {
    resumable: false,
  })
  deps.jobs.register<SnapshotParams, unknown>(snapshotJobKind, (ctx) => runSnapshotJob(deps, ctx), {
    resumable: false,
  })
  // A restore is an atomic swap the core completes or undoes at start: running it again is safe.
  deps.jobs.register<RestoreParams, unknown>(restoreJobKind, (ctx) => runRestoreJob(deps, ctx), {
    resumable: true,
  })
  // Not resumable: their passphrases live only in memory, and the core cleans up what they leave.
  deps.jobs.register<ExportParams, unknown>(exportJobKind, (ctx) => runExportJob(deps, ctx), {
    resumable: false,
  })
  deps.jobs.register<ImportParams, unknown>(importJobKind, (ctx) => runImportJob(deps, ctx), {
    resumable: false,
  })
  followInstallOutcomes(deps)
  markLostRuns(deps)
  // Layer swaps (restore, clone) a crash cut are finished or undone before anything reads a folder.
  await deps.core.recoverLayers(deps.config.dataDir)
  await reconcileContainers(deps)
  await removeStaleUploads(deps)
  await deps.core.cleanupImports(deps.config.dataDir)
  await removeStaleExports(deps)
}
