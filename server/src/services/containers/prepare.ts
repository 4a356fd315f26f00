import { removeStaleUploads } from '../installs/cleanup.ts'
import { runInstallJob } from '../installs/job.ts'
import { followInstallOutcomes } from '../installs/outcome.ts'
import type { InstallParams } from '../installs/start.ts'
import { markLostRuns } from '../runs/recover.ts'
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
  followInstallOutcomes(deps)
  markLostRuns(deps)
  await reconcileContainers(deps)
  await removeStaleUploads(deps)
}
