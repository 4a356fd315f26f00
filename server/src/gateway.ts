import { mkdirSync, readFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { createApp } from './app.ts'
import { followJobOutcomes } from './audit/job-outcomes.ts'
import { AuditLog } from './audit/log.ts'
import { createAuth } from './auth/index.ts'
import { type Config, type LoadedConfig, loadConfigWithSources } from './config.ts'
import { loadCore } from './core.ts'
import { openDb } from './db/open.ts'
import { installationId } from './db/settings.ts'
import type { Core } from './deps.ts'
import { EventBus } from './events/bus.ts'
import { JobQueue } from './jobs/queue.ts'
import { listenPlan } from './listen-plan.ts'
import { createLogger, type Logger } from './log.ts'
import { Metrics } from './metrics/registry.ts'
import { adminTokenVerifier, anyVerifier } from './middleware/scope-guard.ts'
import { offerSetupLink } from './services/auth/first-run.ts'
import { prepareContainerServices } from './services/containers/prepare.ts'
import { RunSupervisor } from './services/runs/supervisor.ts'
import { bootstrapAdminToken } from './token-file.ts'

export const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url))

export const orbitVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version

export interface Gateway {
  url: string
  port: number
  /** ORBIT_ADMIN_TOKEN, when the operator opted in to it. */
  adminToken: string | undefined
  /** Where browsers sign in with passkeys (the first origin passkey ceremonies accept). */
  panelUrl: string
  /** While there is no admin: the one-time link to register the first one (15 minutes). */
  setupLink: { url: string; expiresAt: number } | undefined
  close(): Promise<void>
}

/** Opens the data dir and database, loads the core, and listens. Port 0 picks a free port. */
export async function startGateway(
  config: Config,
  options: { core?: Core; log?: Logger; readConfig?: () => LoadedConfig } = {},
): Promise<Gateway> {
  // Beyond loopback only with TLS and a public origin; see listen-plan.ts.
  const plan = listenPlan(config)
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const db = openDb(join(config.dataDir, 'orbit.db'))
  const adminToken = bootstrapAdminToken()
  const auth = await createAuth({ db, config, installationId: installationId(db) })
  const core = options.core ?? (await loadCore())
  const events = new EventBus(db)
  const jobs = new JobQueue(db, events)
  const metrics = new Metrics()
  metrics.follow(events, { db, dataDir: config.dataDir, sweep: true })
  const audit = new AuditLog(db, events)
  // Before the queue starts: jobs a stop interrupted end at start, and their outcome is recorded.
  followJobOutcomes(db, audit, events)
  const runs = new RunSupervisor({ db, events, core, config })
  // Services register their job kinds here, before the queue recovers and starts.
  await prepareContainerServices({ db, events, jobs, core, config })
  jobs.start()
  const app = createApp({
    db,
    core,
    config,
    version: orbitVersion(),
    installationId: installationId(db),
    verifyToken: anyVerifier(adminTokenVerifier(adminToken), (t) => auth.tokens.verify(t)),
    auth,
    events,
    jobs,
    runs,
    metrics,
    audit,
    readConfig: options.readConfig ?? (() => loadConfigWithSources({ dataDir: config.dataDir })),
    log: options.log ?? createLogger(config.logLevel),
    staticDir: webDist,
  })
  const server = plan.tls
    ? serve({
        fetch: app.fetch,
        hostname: config.host,
        port: config.port,
        createServer: createHttpsServer,
        serverOptions: plan.tls,
      })
    : serve({ fetch: app.fetch, hostname: config.host, port: config.port })
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  auth.listening(port, plan.tls !== undefined)
  return {
    url: `${plan.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    adminToken,
    panelUrl: `${auth.relyingParty().origins[0]}/`,
    setupLink: offerSetupLink({ auth, audit }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(async () => {
          await runs.shutdown()
          // Resumable jobs go back to queued, others end canceled; see jobs/queue.ts.
          await jobs.shutdown()
          metrics.close()
          events.close()
          db.$client.close()
          resolve()
        })
        if ('closeAllConnections' in server) server.closeAllConnections()
      }),
  }
}
