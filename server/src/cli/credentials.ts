import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/** Tokens saved by `orbit login`, one per gateway URL. */
type Store = Record<string, { token: string; savedAt: string }>

/** $XDG_CONFIG_HOME/orbit/credentials.json (default ~/.config/orbit/credentials.json). */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(base, 'orbit', 'credentials.json')
}

function read(file: string): Store {
  if (!existsSync(file)) return {}
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Store
  } catch {
    throw new Error(`${file} is not valid JSON; remove it and run 'orbit login' again`)
  }
}

/** The token saved for a gateway. */
export function savedToken(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return read(credentialsFile(env))[url]?.token
}

/** Saves (or, with undefined, forgets) the token for a gateway; the file is readable by its owner only. */
export function saveToken(
  url: string,
  token: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const file = credentialsFile(env)
  const store = read(file)
  if (token === undefined) delete store[url]
  else store[url] = { token, savedAt: new Date().toISOString() }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  // Written beside and renamed, created 0600, so no moment exists where others could read it.
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
  return file
}
