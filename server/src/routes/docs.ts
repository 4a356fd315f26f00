import type { OpenAPIHono } from '@hono/zod-openapi'
import { documentConfig, emitDocument, getApiDocs, getOpenApiDocument } from '../../../openapi/index.ts'
import { renderApiDocs } from '../api-docs.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { guarded } from './guarded.ts'

export function docsRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  // The served document is the contract's own, so it cannot drift from openapi/openapi.json.
  const doc = emitDocument() as Record<string, unknown>
  const html = renderApiDocs({ ...doc, info: { ...documentConfig.info, version: deps.version } })
  app.openapi(guarded(getOpenApiDocument, deps), (c) => c.json(doc, 200))
  app.openapi(guarded(getApiDocs, deps), (c) => c.html(html, 200))
}
