import { resolve } from 'node:path'
import { createOrbitClient, type OrbitClient } from '../../../sdk-gen/client.ts'
import { localToken } from '../token-file.ts'

export const defaultUrl = 'http://127.0.0.1:7780'

/** A user-facing CLI failure: printed as one line, with the exit code given. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

export interface CliContext {
  client: OrbitClient
  url: string
  out: (line: string) => void
}

/** The client the CLI talks through: ORBIT_URL and ORBIT_TOKEN, else the local data dir's token. */
export function cliContext(env: NodeJS.ProcessEnv = process.env, out = console.log): CliContext {
  const url = (env.ORBIT_URL ?? defaultUrl).replace(/\/+$/, '')
  const dataDir = resolve(env.ORBIT_DATA ?? './orbit-data')
  const token = localToken(dataDir, env)
  return { client: createOrbitClient({ baseUrl: url, ...(token ? { token } : {}) }), url, out }
}
