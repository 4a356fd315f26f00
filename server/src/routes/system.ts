import type { OpenAPIHono } from '@hono/zod-openapi'
import { getSystemConfig, getSystemInfo, healthz, reloadSystemConfig } from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { reloadConfig, showConfig } from '../services/system/config.ts'
import { systemInfo } from '../services/system/info.ts'
import { guarded } from './guarded.ts'

export function systemRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(healthz, deps), (c) => c.json({ status: 'ok' as const }, 200))
  app.openapi(guarded(getSystemInfo, deps), (c) => c.json(systemInfo(deps), 200))
  app.openapi(guarded(getSystemConfig, deps), (c) => c.json(showConfig(deps), 200))
  app.openapi(guarded(reloadSystemConfig, deps), (c) => c.json(reloadConfig(deps, actorOf(c)), 200))
}
