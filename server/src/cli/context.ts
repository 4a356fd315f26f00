import { createOrbitClient, type OrbitClient } from '../../../sdk-gen/client.ts'
import { savedToken } from './credentials.ts'

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

/** The gateway's URL: ORBIT_URL, else the default. */
export const gatewayUrl = (env: NodeJS.ProcessEnv): string =>
  (env.ORBIT_URL || defaultUrl).replace(/\/+$/, '')

/** The client the CLI talks through: ORBIT_URL with ORBIT_TOKEN, else the token `orbit login` saved. */
export function cliContext(env: NodeJS.ProcessEnv = process.env, out = console.log): CliContext {
  const url = gatewayUrl(env)
  const token = env.ORBIT_TOKEN || savedToken(url, env)
  return { client: createOrbitClient({ baseUrl: url, ...(token ? { token } : {}) }), url, out }
}
