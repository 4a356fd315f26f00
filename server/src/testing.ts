// Builds the real app for tests: a temporary data dir, a real SQLite file, the real native core.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from './app.ts'
import { followJobOutcomes } from './audit/job-outcomes.ts'
import { AuditLog } from './audit/log.ts'
import { createAuth } from './auth/index.ts'
import { loadConfigWithSources } from './config.ts'
import { loadCore } from './core.ts'
import { openDb } from './db/open.ts'
import { installationId } from './db/settings.ts'
import type { Deps } from './deps.ts'
import { EventBus, type EventBusOptions } from './events/bus.ts'
import { JobQueue, type JobQueueOptions } from './jobs/queue.ts'
import { silentLogger } from './log.ts'
import { Metrics } from './metrics/registry.ts'
import { adminTokenVerifier, anyVerifier, type TokenVerifier } from './middleware/scope-guard.ts'
import { prepareContainerServices } from './services/containers/prepare.ts'
import { RunSupervisor } from './services/runs/supervisor.ts'

export const testToken = 'test-admin-token-0123456789abcdef'

export interface TestApp {
  app: ReturnType<typeof createApp>
  deps: Deps
  dataDir: string
  /** Stops the jobs, closes the bus and the database, removes the data dir. */
  cleanup(): Promise<void>
}

export interface TestAppOptions {
  /** Replaces the bearer verifier (by default: testToken as the admin token, then API tokens). */
  verifyToken?: TokenVerifier
  /** The auth layer's clock (sessions, tokens, challenges, rate limits). */
  now?: () => number
  events?: EventBusOptions
  jobs?: JobQueueOptions
  /** Runs before the job queue starts: register job kinds here. */
  setup?: (deps: Deps) => void
}

export async function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orbit-test-'))
  const readConfig = () => loadConfigWithSources({ dataDir, port: 0, logLevel: 'silent' }, {})
  const config = readConfig().config
  const db = openDb(join(dataDir, 'orbit.db'))
  const events = new EventBus(db, options.events)
  const core = await loadCore()
  const auth = await createAuth({ db, config, installationId: installationId(db), now: options.now })
  const deps: Deps = {
    db,
    core,
    config,
    version: '0.0.0-test',
    installationId: installationId(db),
    verifyToken:
      options.verifyToken ?? anyVerifier(adminTokenVerifier(testToken), (t) => auth.tokens.verify(t)),
    auth,
    events,
    jobs: new JobQueue(db, events, options.jobs),
    runs: new RunSupervisor({ db, events, core, config }),
    metrics: new Metrics(),
    audit: new AuditLog(db, events),
    readConfig,
    log: silentLogger(),
  }
  deps.metrics.follow(events, { db, dataDir })
  followJobOutcomes(db, deps.audit, events)
  options.setup?.(deps)
  await prepareContainerServices(deps)
  deps.jobs.start()
  return {
    app: createApp(deps),
    deps,
    dataDir,
    async cleanup() {
      await deps.runs.shutdown(500)
      await deps.jobs.shutdown(1000)
      deps.metrics.close()
      events.close()
      db.$client.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const bearer = (token = testToken) => ({ authorization: `Bearer ${token}` })
