import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { parse } from 'smol-toml'

export interface Config {
  host: string
  port: number
  dataDir: string
  maxBodyBytes: number
  /** The largest upload (installers, imports) streamed to disk, in bytes. */
  maxUploadBytes: number
  /** An installer still running after this many seconds is stopped and its install fails. */
  installTimeoutSeconds: number
  /** Host names the gateway answers to besides the loopback names (DNS-rebinding defence). */
  allowedHosts: string[]
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Lets scrapers on loopback read /metrics without a token. */
  metricsAllowLoopback: boolean
  /** The https origin remote browsers use (e.g. https://orbit.example:7780); '' on loopback. */
  publicOrigin: string
  /** PEM certificate and key paths; both set means the gateway serves https. */
  tlsCert: string
  tlsKey: string
  /** The WebAuthn relying party id: the host name passkeys are bound to. */
  rpId: string
  /** Origins a passkey ceremony may come from; empty means derived from rp_id, the port and TLS. */
  authOrigins: string[]
  /** A session ends after this many idle minutes (each request renews it)... */
  sessionIdleMinutes: number
  /** ...and after this many hours in any case. */
  sessionMaxHours: number
  /** Failed sign-ins and token uses one peer address may make per minute before it gets 429. */
  authFailuresPerMinute: number
  /** The X11 display (":0") containers with display "host" show windows on; '' = the gateway's DISPLAY. */
  display: string
  /** The Xauthority file for that display; '' = the gateway's XAUTHORITY, else ~/.Xauthority if present. */
  xauthority: string
}

/** Where an effective value came from; later sources win. */
export type ConfigSource = 'default' | 'local' | 'env' | 'flag'

export interface LoadedConfig {
  config: Config
  sources: Record<keyof Config, ConfigSource>
  /** The files that were read, for the operator. */
  files: string[]
}

type Kind = 'string' | 'text' | 'int' | 'count' | 'port' | 'bool' | 'list' | 'level'

interface Setting {
  key: keyof Config
  /** [section, name] in orbit.toml / config.local.toml. */
  toml: [string, string]
  env: string
  kind: Kind
  /** Applied by a reload without a restart (security settings); the rest need a restart. */
  reloadable?: boolean
  /** Shown redacted by the config endpoint. */
  secret?: boolean
}

/** Every setting once: where it lives in TOML, its environment variable, and how it is parsed. */
export const settings: Setting[] = [
  { key: 'host', toml: ['server', 'host'], env: 'ORBIT_HOST', kind: 'string' },
  { key: 'port', toml: ['server', 'port'], env: 'ORBIT_PORT', kind: 'port' },
  {
    key: 'allowedHosts',
    toml: ['server', 'allowed_hosts'],
    env: 'ORBIT_ALLOWED_HOSTS',
    kind: 'list',
    reloadable: true,
  },
  { key: 'dataDir', toml: ['data', 'dir'], env: 'ORBIT_DATA', kind: 'string' },
  { key: 'maxBodyBytes', toml: ['limits', 'max_body_bytes'], env: 'ORBIT_MAX_BODY_BYTES', kind: 'int' },
  { key: 'maxUploadBytes', toml: ['limits', 'max_upload_bytes'], env: 'ORBIT_MAX_UPLOAD_BYTES', kind: 'int' },
  {
    key: 'installTimeoutSeconds',
    toml: ['limits', 'install_timeout_seconds'],
    env: 'ORBIT_INSTALL_TIMEOUT_SECONDS',
    kind: 'count',
  },
  { key: 'logLevel', toml: ['log', 'level'], env: 'ORBIT_LOG_LEVEL', kind: 'level', reloadable: true },
  {
    key: 'metricsAllowLoopback',
    toml: ['metrics', 'allow_loopback'],
    env: 'ORBIT_METRICS_ALLOW_LOOPBACK',
    kind: 'bool',
    reloadable: true,
  },
  { key: 'publicOrigin', toml: ['server', 'public_origin'], env: 'ORBIT_PUBLIC_ORIGIN', kind: 'text' },
  { key: 'tlsCert', toml: ['server', 'tls_cert'], env: 'ORBIT_TLS_CERT', kind: 'text' },
  { key: 'tlsKey', toml: ['server', 'tls_key'], env: 'ORBIT_TLS_KEY', kind: 'text' },
  { key: 'rpId', toml: ['auth', 'rp_id'], env: 'ORBIT_RP_ID', kind: 'string' },
  {
    key: 'authOrigins',
    toml: ['auth', 'origins'],
    env: 'ORBIT_AUTH_ORIGINS',
    kind: 'list',
    reloadable: true,
  },
  {
    key: 'sessionIdleMinutes',
    toml: ['auth', 'session_idle_minutes'],
    env: 'ORBIT_SESSION_IDLE_MINUTES',
    kind: 'count',
    reloadable: true,
  },
  {
    key: 'sessionMaxHours',
    toml: ['auth', 'session_max_hours'],
    env: 'ORBIT_SESSION_MAX_HOURS',
    kind: 'count',
    reloadable: true,
  },
  { key: 'display', toml: ['display', 'x11'], env: 'ORBIT_DISPLAY', kind: 'text' },
  { key: 'xauthority', toml: ['display', 'xauthority'], env: 'ORBIT_XAUTHORITY', kind: 'text' },
  {
    key: 'authFailuresPerMinute',
    toml: ['auth', 'failures_per_minute'],
    env: 'ORBIT_AUTH_FAILURES_PER_MINUTE',
    kind: 'count',
    reloadable: true,
  },
]

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const defaultsPath = fileURLToPath(new URL('../../config/orbit.toml', import.meta.url))

type Table = Record<string, unknown>
const table = (v: unknown): Table => (typeof v === 'object' && v !== null ? (v as Table) : {})

/** Parses one value from TOML (typed) or the environment (text); throws naming the setting. */
function coerce(s: Setting, raw: unknown, where: string): unknown {
  const fail = (expected: string): never => {
    throw new Error(`${where}: ${s.toml.join('.')} must be ${expected}, got ${JSON.stringify(raw)}`)
  }
  switch (s.kind) {
    case 'string':
      return typeof raw === 'string' && raw !== '' ? raw : fail('a non-empty string')
    case 'text':
      return typeof raw === 'string' ? raw : fail('a string')
    case 'int':
    case 'count':
    case 'port': {
      const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return fail('a whole number')
      if (s.kind === 'count' && n < 1) return fail('a whole number of at least 1')
      if (s.kind === 'port' && n > 65535) return fail('a port from 0 to 65535')
      return n
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      return fail('true or false')
    case 'list':
      if (Array.isArray(raw)) return raw.map(String)
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((h) => h.trim())
          .filter(Boolean)
      return fail('a list of strings')
    case 'level':
      return typeof raw === 'string' && levels.includes(raw) ? raw : fail(`one of ${levels.join(', ')}`)
  }
}

function readToml(path: string): Table {
  try {
    return table(parse(readFileSync(path, 'utf8')))
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`)
  }
}

/**
 * The effective configuration: config/orbit.toml, then <data>/config.local.toml, then ORBIT_* env,
 * then explicit overrides (CLI flags), with the source of every value.
 */
export function loadConfigWithSources(
  overrides: Partial<Config> = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): LoadedConfig {
  const values: Record<string, unknown> = {}
  const sources = {} as Record<keyof Config, ConfigSource>
  const apply = (t: Table, source: ConfigSource, where: string) => {
    for (const s of settings) {
      const raw = table(t[s.toml[0]])[s.toml[1]]
      if (raw === undefined) continue
      values[s.key] = coerce(s, raw, where)
      sources[s.key] = source
    }
  }
  apply(readToml(defaultsPath), 'default', defaultsPath)
  // The data dir decides where the local file is, so it is resolved from every source but the file.
  const dataDir = resolve(cwd, overrides.dataDir ?? (env.ORBIT_DATA || String(values.dataDir)))
  const files = [defaultsPath]
  const localPath = resolve(dataDir, 'config.local.toml')
  if (existsSync(localPath)) {
    apply(readToml(localPath), 'local', localPath)
    files.push(localPath)
  }
  for (const s of settings) {
    const raw = env[s.env]
    if (raw === undefined || raw === '') continue
    values[s.key] = coerce(s, raw, s.env)
    sources[s.key] = 'env'
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue
    values[key] = value
    sources[key as keyof Config] = 'flag'
  }
  values.dataDir = dataDir
  for (const s of settings)
    if (values[s.key] === undefined) throw new Error(`config: ${s.toml.join('.')} is missing`)
  return { config: values as unknown as Config, sources, files }
}

/** The effective configuration (see loadConfigWithSources). */
export function loadConfig(
  overrides: Partial<Config> = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Config {
  return loadConfigWithSources(overrides, env, cwd).config
}

/**
 * The configuration as the API shows it: every setting's value in effect (`live`), its source as the
 * sources say now (`loaded`), and `pending` where they now say something else (a reload or restart
 * would change it). Secrets are redacted.
 */
export function describeConfig(loaded: LoadedConfig, live: Config = loaded.config) {
  return {
    settings: settings.map((s) => ({
      key: s.toml.join('.'),
      env: s.env,
      value: s.secret ? '[redacted]' : live[s.key],
      source: loaded.sources[s.key],
      reloadable: s.reloadable === true,
      pending: !isDeepStrictEqual(loaded.config[s.key], live[s.key]),
    })),
    files: loaded.files,
  }
}

/** Copies the reloadable settings of `next` into the live `config` (the rest wait for a restart). */
export function applyReloadable(config: Config, next: Config): void {
  for (const s of settings) {
    if (s.reloadable) (config as unknown as Record<string, unknown>)[s.key] = next[s.key]
  }
}
