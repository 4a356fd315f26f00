import { routes } from '../../../openapi/index.ts'

/**
 * The audit action of each mutating route of the contract, named as its service writes it. The
 * trail (trail.ts) uses it for the entry of a request its handler did not record: refused before
 * the handler (credentials, scope, CSRF, step-up, validation) or failed on a path that wrote none.
 */
export const routeActions: Readonly<Record<string, string>> = {
  reloadSystemConfig: 'system.reload',
  cancelJob: 'job.cancel',
  enrollOptions: 'user.enroll-options',
  enrollVerify: 'user.enroll',
  loginOptions: 'auth.login-options',
  loginVerify: 'auth.login',
  endSession: 'auth.logout',
  stepUpOptions: 'auth.step-up-options',
  stepUpVerify: 'auth.step-up',
  addPasskeyOptions: 'passkey.add-options',
  addPasskey: 'passkey.add',
  renamePasskey: 'passkey.rename',
  removePasskey: 'passkey.remove',
  createToken: 'token.create',
  revokeToken: 'token.revoke',
  inviteUser: 'user.invite',
  updateUser: 'user.update',
  createContainer: 'container.create',
  updateContainer: 'container.update',
  deleteContainer: 'container.delete',
  cloneContainer: 'container.clone',
  startInstall: 'container.install',
  startRun: 'container.run',
  stopRun: 'run.stop',
  createSnapshot: 'snapshot.create',
  restoreSnapshot: 'snapshot.restore',
  deleteSnapshot: 'snapshot.delete',
  startExport: 'container.export',
  deleteExport: 'export.delete',
  startImport: 'container.import',
  setRegistryValue: 'registry.set',
  deleteRegistryValue: 'registry.delete-value',
  deleteRegistryKey: 'registry.delete-key',
  importRegistry: 'registry.import',
}

/**
 * Routes that only hand out a WebAuthn challenge: nothing lasting changes, so a success is not
 * worth an entry (anyone may ask for a login challenge); a refusal still is.
 */
export const challengeRoutes: ReadonlySet<string> = new Set([
  'enrollOptions',
  'loginOptions',
  'stepUpOptions',
  'addPasskeyOptions',
])

export const mutatingMethods: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export interface MutatingRoute {
  method: string
  /** The Hono pattern (`/api/containers/:id`). */
  pattern: string
  operationId: string
}

/** Every mutating route of the contract, keyed `METHOD pattern`. */
export const mutatingRoutes: ReadonlyMap<string, MutatingRoute> = new Map(
  routes
    .filter((r) => mutatingMethods.has(r.method.toUpperCase()))
    .map((r) => {
      const route = {
        method: r.method.toUpperCase(),
        pattern: r.path.replace(/\{([^}]+)\}/g, ':$1'),
        operationId: r.operationId as string,
      }
      return [`${route.method} ${route.pattern}`, route] as const
    }),
)
