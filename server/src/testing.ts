// Builds the real app for tests: a temporary data dir, a real SQLite file, the real native core.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { loadCore } from './core.ts'
import { openDb } from './db/open.ts'
import { installationId } from './db/settings.ts'
import type { Deps } from './deps.ts'
import { adminTokenVerifier, type TokenVerifier } from './middleware/scope-guard.ts'

export const testToken = 'test-admin-token-0123456789abcdef'

export interface TestApp {
  app: ReturnType<typeof createApp>
  deps: Deps
  dataDir: string
  cleanup(): void
}

export async function makeTestApp(options: { verifyToken?: TokenVerifier } = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orbit-test-'))
  const config = loadConfig({ dataDir, port: 0 }, {})
  const db = openDb(join(dataDir, 'orbit.db'))
  const deps: Deps = {
    db,
    core: await loadCore(),
    config,
    version: '0.0.0-test',
    installationId: installationId(db),
    verifyToken: options.verifyToken ?? adminTokenVerifier(testToken),
  }
  return {
    app: createApp(deps),
    deps,
    dataDir,
    cleanup() {
      db.$client.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const bearer = (token = testToken) => ({ authorization: `Bearer ${token}` })
