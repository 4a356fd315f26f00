import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'smol-toml'

export interface Config {
  host: string
  port: number
  dataDir: string
  maxBodyBytes: number
  /** Host names the gateway answers to besides the loopback names (DNS-rebinding defence). */
  allowedHosts: string[]
}

const defaultsPath = fileURLToPath(new URL('../../config/orbit.toml', import.meta.url))

type Table = Record<string, unknown>
const table = (v: unknown): Table => (typeof v === 'object' && v !== null ? (v as Table) : {})

/**
 * The effective configuration: config/orbit.toml, then <data>/config.local.toml, then ORBIT_* env,
 * then explicit overrides (CLI flags). Later sources win.
 */
export function loadConfig(
  overrides: Partial<Config> = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Config {
  const defaults = table(parse(readFileSync(defaultsPath, 'utf8')))
  const server = table(defaults.server)
  const data = table(defaults.data)
  const limits = table(defaults.limits)
  let config: Config = {
    host: String(server.host),
    port: Number(server.port),
    dataDir: String(data.dir),
    maxBodyBytes: Number(limits.max_body_bytes),
    allowedHosts: Array.isArray(server.allowed_hosts) ? server.allowed_hosts.map(String) : [],
  }
  const dataDir = resolve(cwd, overrides.dataDir ?? env.ORBIT_DATA ?? config.dataDir)
  const localPath = resolve(dataDir, 'config.local.toml')
  if (existsSync(localPath)) {
    const local = table(parse(readFileSync(localPath, 'utf8')))
    const ls = table(local.server)
    const ll = table(local.limits)
    config = {
      ...config,
      ...(ls.host !== undefined ? { host: String(ls.host) } : {}),
      ...(ls.port !== undefined ? { port: Number(ls.port) } : {}),
      ...(ll.max_body_bytes !== undefined ? { maxBodyBytes: Number(ll.max_body_bytes) } : {}),
      ...(Array.isArray(ls.allowed_hosts) ? { allowedHosts: ls.allowed_hosts.map(String) } : {}),
    }
  }
  if (env.ORBIT_HOST) config.host = env.ORBIT_HOST
  if (env.ORBIT_PORT) config.port = Number(env.ORBIT_PORT)
  if (env.ORBIT_ALLOWED_HOSTS) config.allowedHosts = env.ORBIT_ALLOWED_HOSTS.split(',').map((h) => h.trim())
  config = { ...config, ...overrides, dataDir }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error(`invalid port ${config.port}: expected 0-65535`)
  }
  return config
}
