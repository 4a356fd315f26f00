import { OpenAPIHono } from '@hono/zod-openapi'
import * as audit from './audit.ts'
import * as auth from './auth.ts'
import * as config from './config.ts'
import * as containers from './containers.ts'
import * as docs from './docs.ts'
import * as events from './events.ts'
import * as files from './files.ts'
import * as installs from './installs.ts'
import * as jobs from './jobs.ts'
import * as metrics from './metrics.ts'
import * as passkeys from './passkeys.ts'
import * as registry from './registry.ts'
import * as runs from './runs.ts'
import { securityScheme, securitySchemeName, sessionScheme, sessionSchemeName } from './security.ts'
import * as snapshots from './snapshots.ts'
import * as system from './system.ts'
import * as tokens from './tokens.ts'
import * as transfer from './transfer.ts'
import * as users from './users.ts'

export * from './audit.ts'
export * from './auth.ts'
export * from './config.ts'
export * from './containers.ts'
export * from './docs.ts'
export * from './errors.ts'
export * from './events.ts'
export * from './files.ts'
export * from './installs.ts'
export * from './jobs.ts'
export * from './metrics.ts'
export * from './passkeys.ts'
export * from './registry.ts'
export * from './roles.ts'
export * from './runs.ts'
export * from './security.ts'
export * from './snapshots.ts'
export * from './system.ts'
export * from './tokens.ts'
export * from './transfer.ts'
export * from './users.ts'

/** Every route of the contract; the server must register a handler for each, and only these. */
export const routes = [
  system.healthz,
  system.getSystemInfo,
  config.getSystemConfig,
  config.reloadSystemConfig,
  docs.getOpenApiDocument,
  docs.getApiDocs,
  metrics.getMetrics,
  audit.listAudit,
  audit.verifyAudit,
  events.streamEvents,
  jobs.listJobs,
  jobs.getJob,
  jobs.cancelJob,
  auth.enrollOptions,
  auth.enrollVerify,
  auth.loginOptions,
  auth.loginVerify,
  auth.getSession,
  auth.endSession,
  auth.stepUpOptions,
  auth.stepUpVerify,
  passkeys.listPasskeys,
  passkeys.addPasskeyOptions,
  passkeys.addPasskey,
  passkeys.renamePasskey,
  passkeys.removePasskey,
  tokens.createToken,
  tokens.listTokens,
  tokens.revokeToken,
  users.listUsers,
  users.inviteUser,
  users.updateUser,
  containers.listContainers,
  containers.createContainer,
  containers.getContainer,
  containers.updateContainer,
  containers.deleteContainer,
  containers.getManifest,
  containers.listApps,
  containers.cloneContainer,
  installs.startInstall,
  runs.startRun,
  runs.listRuns,
  runs.getRun,
  runs.getRunLog,
  runs.stopRun,
  snapshots.listSnapshots,
  snapshots.createSnapshot,
  snapshots.diffSnapshot,
  snapshots.restoreSnapshot,
  snapshots.deleteSnapshot,
  transfer.startExport,
  transfer.downloadExport,
  transfer.deleteExport,
  transfer.startImport,
  registry.getRegistryKey,
  registry.getRegistryValue,
  registry.setRegistryValue,
  registry.deleteRegistryValue,
  registry.deleteRegistryKey,
  registry.exportRegistry,
  registry.importRegistry,
  files.listFiles,
  files.downloadFile,
] as const

export const documentConfig = {
  openapi: '3.1.0',
  info: {
    title: 'Orbit API',
    version: '0.1.0',
    description:
      'Run Windows applications in portable containers. Every route declares the scope it requires; ' +
      'errors are RFC 9457 problem+json with a stable `code`.',
  },
  servers: [{ url: 'http://127.0.0.1:7780' }],
}

/** Registers the security scheme on an app so the emitted document declares it. */
// biome-ignore lint/suspicious/noExplicitAny: any app, whatever its env, has the same registry
export function registerComponents(app: OpenAPIHono<any>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', securitySchemeName, securityScheme)
  app.openAPIRegistry.registerComponent('securitySchemes', sessionSchemeName, sessionScheme)
  // The stream's body is text, so no route references Event; register it so clients get the type.
  app.openAPIRegistry.register('Event', events.EventEnvelope)
  // A job's result is untyped in Job; name what a container.install job returns.
  app.openAPIRegistry.register('InstallResult', installs.InstallResult)
  app.openAPIRegistry.register('ExportResult', transfer.ExportResult)
  app.openAPIRegistry.register('ImportResult', transfer.ImportResult)
}

/** The OpenAPI document the contract alone describes, independent of any server. */
export function emitDocument(): unknown {
  const app = new OpenAPIHono()
  registerComponents(app)
  for (const route of routes) app.openAPIRegistry.registerPath(route)
  return app.getOpenAPI31Document(documentConfig)
}

/** Stable JSON text of a document, as committed in openapi/openapi.json. */
export const documentText = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`
