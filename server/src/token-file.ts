import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Where the gateway keeps its bootstrap admin token when ORBIT_ADMIN_TOKEN is not set. */
export const tokenFile = (dataDir: string): string => join(dataDir, 'admin-token')

/**
 * The bootstrap admin token: ORBIT_ADMIN_TOKEN when set, else one generated once and kept in the
 * data dir, readable by its owner only, so the local CLI and panel can find it.
 */
export function ensureAdminToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ORBIT_ADMIN_TOKEN) return env.ORBIT_ADMIN_TOKEN
  const file = tokenFile(dataDir)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const token = randomBytes(32).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' })
  return token
}

/** The token a local client should use: ORBIT_TOKEN, else the data dir's bootstrap token if readable. */
export function localToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ORBIT_TOKEN) return env.ORBIT_TOKEN
  const file = tokenFile(dataDir)
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined
}
