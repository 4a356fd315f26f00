import type { SystemInfo } from '../../openapi/index.ts'
import type { AuditLog } from './audit/log.ts'
import type { Config, LoadedConfig } from './config.ts'
import type { Db } from './db/open.ts'
import type { EventBus } from './events/bus.ts'
import type { JobQueue } from './jobs/queue.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics/registry.ts'
import type { TokenVerifier } from './middleware/scope-guard.ts'

/** What the gateway needs from the native core; the real one is native/index.ts. */
export interface Core {
  systemInfo(): SystemInfo['core']
}

/** Everything createApp depends on, injected so tests build the real app on a temp data dir. */
export interface Deps {
  db: Db
  core: Core
  config: Config
  version: string
  installationId: string
  verifyToken: TokenVerifier
  /** Every state change, stored and streamed (GET /api/events). */
  events: EventBus
  /** Long work as durable jobs; services register their kinds before it starts. */
  jobs: JobQueue
  /** The append-only, hash-chained record of every mutation. */
  audit: AuditLog
  /** Prometheus metrics; follows the bus and times every request. */
  metrics: Metrics
  /** Structured JSON logs. */
  log: Logger
  /** Re-reads the configuration from its sources (files, environment, the start flags). */
  readConfig: () => LoadedConfig
  /** The built SPA (web/dist); when absent, `/` answers with a hint to build it. */
  staticDir?: string
}
