import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { createOrbitClient, unwrap } from '../../../../sdk-gen/client.ts'
import { type CliContext, CliError, gatewayUrl } from '../context.ts'
import { credentialsFile, saveToken } from '../credentials.ts'

/** Reads a token from stdin: piped text, or typed at a prompt without echo. */
async function readToken(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (!input.isTTY) {
    let text = ''
    for await (const chunk of input) text += chunk.toString()
    return text.trim()
  }
  process.stderr.write('API token (from the panel or `orbit token create`): ')
  let muted = false
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    },
  })
  const rl = createInterface({ input, output, terminal: true })
  muted = true
  const line = await rl.question('')
  rl.close()
  process.stderr.write('\n')
  return line.trim()
}

/**
 * `orbit login [--token T | --token -]`: saves an API token for this gateway in the user's config
 * dir (owner-only), used whenever ORBIT_TOKEN is unset. The CLI cannot hold a passkey ceremony, so
 * it takes a token made in the panel or with `orbit token create`; it is checked before it is saved.
 */
export async function login(args: string[], ctx: CliContext, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { token: { type: 'string' } }, strict: true })
  const token = values.token === undefined || values.token === '-' ? await readToken() : values.token
  if (!token) throw new CliError('no token given', 2)
  const url = gatewayUrl(env)
  const who = unwrap(await createOrbitClient({ baseUrl: url, token }).GET('/api/auth/session'))
  const file = saveToken(url, token, env)
  ctx.out(`signed in to ${url} as ${who.subject} (${who.scopes.join(' ')})`)
  ctx.out(`token saved in ${file}`)
  return 0
}

/** `orbit logout`: forgets the token saved for this gateway (it stays valid: revoke it to end it). */
export async function logout(_args: string[], ctx: CliContext, env: NodeJS.ProcessEnv): Promise<number> {
  saveToken(gatewayUrl(env), undefined, env)
  ctx.out(`forgot the token for ${gatewayUrl(env)} in ${credentialsFile(env)}`)
  return 0
}
