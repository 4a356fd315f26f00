import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { registerComponents } from '../../openapi/index.ts'
import { auditTrail } from './audit/trail.ts'
import type { Deps } from './deps.ts'
import { fromCoreError, OrbitError, problemResponse } from './errors.ts'
import { hostAndOrigin } from './middleware/host-origin.ts'
import { requestLog } from './middleware/request-log.ts'
import type { AuthEnv } from './middleware/scope-guard.ts'
import { securityHeaders } from './middleware/security-headers.ts'
import { auditRoutes } from './routes/audit.ts'
import { authRoutes } from './routes/auth.ts'
import { containerRoutes } from './routes/containers.ts'
import { docsRoutes } from './routes/docs.ts'
import { eventRoutes } from './routes/events.ts'
import { fileRoutes } from './routes/files.ts'
import { installRoutes, isStreamedUpload } from './routes/installs.ts'
import { jobRoutes } from './routes/jobs.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { passkeyRoutes } from './routes/passkeys.ts'
import { registryRoutes } from './routes/registry.ts'
import { runRoutes } from './routes/runs.ts'
import { snapshotRoutes } from './routes/snapshots.ts'
import { systemRoutes } from './routes/system.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { transferRoutes } from './routes/transfer.ts'
import { userRoutes } from './routes/users.ts'
import { serveSpa } from './static.ts'

/** Maps any thrown value to the one error vocabulary. */
function asOrbitError(err: unknown): OrbitError {
  if (err instanceof OrbitError) return err
  if (err instanceof HTTPException) {
    if (err.status === 413) return new OrbitError('EPAYLOAD_TOO_LARGE', err.message)
    if (err.status === 415) return new OrbitError('EUNSUPPORTED_MEDIA_TYPE', err.message)
    // The JSON validator's answer to a body that is not JSON at all.
    if (err.status === 400 && /Content-Type/i.test(err.message)) {
      return new OrbitError('EUNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')
    }
    if (err.status === 400) return new OrbitError('EVALIDATION', err.message || 'malformed request')
  }
  const fromCore = fromCoreError(err)
  if (fromCore) return fromCore
  return new OrbitError('EINTERNAL', 'an unexpected error occurred; see the gateway log')
}

/** The gateway as a pure fetch handler: `createApp(deps).fetch(request)`. */
export function createApp(deps: Deps): OpenAPIHono<AuthEnv> {
  const app = new OpenAPIHono<AuthEnv>({
    defaultHook: (result) => {
      if (result.success) return
      const errors = result.error.issues.map((i) => ({
        path: i.path.join('.') || '(body)',
        message: i.message,
      }))
      throw new OrbitError('EVALIDATION', `invalid request: ${errors.map((e) => e.path).join(', ')}`, errors)
    },
  })
  registerComponents(app)

  app.use(
    '*',
    requestLog(deps.log, (...a) => deps.metrics.observeRequest(...a)),
  )
  // Every mutating request leaves an audit entry, refused ones included.
  app.use('/api/*', auditTrail(deps))
  app.use('*', securityHeaders())
  app.use('*', hostAndOrigin({ allowedHosts: () => deps.config.allowedHosts }))
  const limitBody = bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: () => {
      throw new OrbitError('EPAYLOAD_TOO_LARGE', `the body exceeds ${deps.config.maxBodyBytes} bytes`)
    },
  })
  // Uploads stream to disk under their own limit (config maxUploadBytes), checked by their service.
  app.use('/api/*', (c, next) => (isStreamedUpload(c.req.method, c.req.path) ? next() : limitBody(c, next)))

  systemRoutes(app, deps)
  docsRoutes(app, deps)
  eventRoutes(app, deps)
  jobRoutes(app, deps)
  metricsRoutes(app, deps)
  auditRoutes(app, deps)
  authRoutes(app, deps)
  passkeyRoutes(app, deps)
  tokenRoutes(app, deps)
  userRoutes(app, deps)
  containerRoutes(app, deps)
  installRoutes(app, deps)
  runRoutes(app, deps)
  snapshotRoutes(app, deps)
  transferRoutes(app, deps)
  registryRoutes(app, deps)
  fileRoutes(app, deps)

  app.all('/api/*', () => {
    throw new OrbitError('ENOTFOUND', 'no such API route')
  })
  app.get('*', serveSpa(deps.staticDir))

  app.onError((err, c) => {
    const orbitErr = asOrbitError(err)
    if (orbitErr.code === 'EINTERNAL' || orbitErr.code === 'ECORE') deps.log.error({ err }, 'request failed')
    return problemResponse(c, orbitErr)
  })
  app.notFound((c) => problemResponse(c, new OrbitError('ENOTFOUND', 'no such route')))
  return app
}
