import { OrbitApiError } from '../../../sdk-gen/client.ts'
import { CliError, cliContext } from './context.ts'

export const usage = `Usage: orbit <command> [options]

Run Windows applications in portable containers.

Commands:
  serve [--data DIR] [--host H] [--port P]   run the gateway (default http://127.0.0.1:7780)
  info [--json]                              show Orbit's version and what this machine offers
  help                                       show this help

Environment:
  ORBIT_URL     the gateway to talk to (default http://127.0.0.1:7780)
  ORBIT_TOKEN   a bearer token (default: the token in ./orbit-data, or $ORBIT_DATA, when readable)
  ORBIT_DATA    the data dir for 'serve' and for finding the local token (default ./orbit-data)`

/** Runs one CLI invocation and returns its exit code; errors become one line on stderr. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(usage)
        return command === undefined ? 2 : 0
      // Commands load lazily: `orbit info` should not pay for the gateway's modules.
      case 'serve':
        return await (await import('./commands/serve.ts')).serve(rest)
      case 'info':
        return await (await import('./commands/info.ts')).info(rest, cliContext(env))
      default:
        throw new CliError(`unknown command "${command}"; see 'orbit --help'`, 2)
    }
  } catch (err) {
    console.error(`orbit: ${describe(err, env)}`)
    return err instanceof CliError ? err.exitCode : 1
  }
}

function describe(err: unknown, env: NodeJS.ProcessEnv): string {
  if (err instanceof OrbitApiError) {
    if (err.code === 'EUNAUTHENTICATED') return `${err.message} (set ORBIT_TOKEN)`
    return `${err.message} [${err.code}]`
  }
  if (err instanceof TypeError && /fetch failed/.test(err.message)) {
    return `cannot reach the gateway at ${env.ORBIT_URL ?? 'http://127.0.0.1:7780'}; is it running? ('orbit serve')`
  }
  if (err instanceof Error && 'code' in err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return err.message
  return err instanceof Error ? err.message : String(err)
}
