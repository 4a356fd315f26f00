import type { OpenAPIHono } from '@hono/zod-openapi'
import {
  endSession,
  enrollOptions,
  enrollVerify,
  getSession,
  loginOptions,
  loginVerify,
  stepUpOptions,
  stepUpVerify,
} from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import { checkNotLimited, peerKey } from '../auth/authenticate.ts'
import { clearSessionCookie, setSessionCookie } from '../auth/cookie.ts'
import type { Deps } from '../deps.ts'
import { type AuthEnv, principalOf } from '../middleware/scope-guard.ts'
import * as enroll from '../services/auth/enroll.ts'
import * as login from '../services/auth/login.ts'
import { sessionInfo, sessionOf } from '../services/auth/principal.ts'
import * as stepUp from '../services/auth/step-up.ts'
import { guarded } from './guarded.ts'

/** Passkey ceremonies (public: they are how one gets credentials) and the session they give. */
export function authRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(enrollOptions, deps), async (c) => {
    checkNotLimited(c, deps.auth)
    return c.json(await enroll.enrollOptions(deps, actorOf(c), peerKey(c), c.req.valid('json')), 200)
  })
  app.openapi(guarded(enrollVerify, deps), async (c) => {
    checkNotLimited(c, deps.auth)
    const { cookie, info } = await enroll.enrollVerify(deps, actorOf(c), peerKey(c), c.req.valid('json'))
    setSessionCookie(c, cookie)
    return c.json(info, 201)
  })
  app.openapi(guarded(loginOptions, deps), async (c) => c.json(await login.loginOptions(deps), 200))
  app.openapi(guarded(loginVerify, deps), async (c) => {
    checkNotLimited(c, deps.auth)
    const { cookie, info } = await login.login(deps, actorOf(c), peerKey(c), c.req.valid('json'))
    setSessionCookie(c, cookie)
    return c.json(info, 200)
  })

  app.openapi(guarded(getSession, deps), (c) => c.json(sessionInfo(principalOf(c)), 200))
  app.openapi(guarded(endSession, deps), (c) => {
    const p = principalOf(c)
    deps.auth.sessions.end(sessionOf(p).idHash)
    clearSessionCookie(c)
    deps.audit.record(actorOf(c), { action: 'auth.logout', target: p.subject, result: 'ok' })
    return c.body(null, 204)
  })
  app.openapi(guarded(stepUpOptions, deps), async (c) =>
    c.json(await stepUp.stepUpOptions(deps, principalOf(c)), 200),
  )
  app.openapi(guarded(stepUpVerify, deps), async (c) => {
    checkNotLimited(c, deps.auth)
    return c.json(
      await stepUp.stepUpVerify(deps, principalOf(c), actorOf(c), peerKey(c), c.req.valid('json')),
      200,
    )
  })
}
