import { OrbitApiError } from '../../../sdk-gen/client.ts'
import { CliError, cliContext } from './context.ts'

export const usage = `Usage: orbit <command> [options]

Run Windows applications in portable containers.

Commands:
  serve [--data DIR] [--host H] [--port P]   run the gateway (default http://127.0.0.1:7780)
  info [--json]                              show Orbit's version and what this machine offers
  container create NAME [--runtime wine|native] [--env K=V]... [--network none|host]
                                             make a container (Wine by default)
  container ls [--json] | show NAME [--json] | rm NAME | clone NAME NEW
                                             list, describe, delete or clone containers
  install NAME INSTALLER [--timeout S] [-- ARGS...]
                                             capture an installer (.exe or .msi) into a container
  apps NAME [--json]                         the apps (entry points) an install found
  snapshot create NAME [--label L] | ls NAME | restore NAME SNAP | rm NAME SNAP | diff NAME SNAP
                                             snapshots of a container's layer and registry
  export NAME -o FILE.ctnr [--encrypt] [--with-runtime] [--with-snapshots]
                                             a signed archive (passphrase: ORBIT_PASSPHRASE or asked)
  import FILE.ctnr [--name NEW] [--trust]    a new container from an archive (--trust: accept its signer)
  reg get NAME KEY [VALUE] | set NAME KEY VALUE DATA... [--type T] | rm NAME KEY [VALUE]
      | export NAME KEY [-o F.reg] | import NAME F.reg
                                             a container's registry (KEY like HKLM\\Software\\Acme)
  files ls NAME [PATH] | get NAME PATH [-o FILE]
                                             a container's C: drive as its programs see it
  run [--env K=V]... NAME [--] PROGRAM [ARGS...]
                                             run an app or a C:\\ path; exits with its exit code
  logs NAME [RUN] [-f]                       a run's output (the latest run by default)
  jobs [--json]                              recent jobs (installs, runtime creation, ...)
  events [--types T] [--subject S] [--json]  the live event stream
  login [--token T]                          save an API token for this gateway (from stdin if no --token)
  logout                                     forget the saved token
  token create --scope S... [--expires 30d] [--name N] [--json]
                                             make an API token (printed once)
  token ls [--all] [--json]                  list API tokens (never their secrets)
  token revoke ID                            revoke a token at once
  audit [--json] [--action A] [--target T] [--actor X] [--result R] [--limit N] [--verify]
                                             show (or verify) the audit log (admin)
  help                                       show this help

Environment:
  ORBIT_URL     the gateway to talk to (default http://127.0.0.1:7780)
  ORBIT_TOKEN   a bearer token (default: the one 'orbit login' saved for ORBIT_URL in
                $XDG_CONFIG_HOME/orbit/credentials.json)
  ORBIT_DATA    the data dir for 'serve' (default ./orbit-data)`

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
      case 'container':
        return await (await import('./commands/container.ts')).container(rest, cliContext(env))
      case 'install':
        return await (await import('./commands/install.ts')).install(rest, cliContext(env))
      case 'apps':
        return await (await import('./commands/apps.ts')).apps(rest, cliContext(env))
      case 'snapshot':
        return await (await import('./commands/snapshot.ts')).snapshot(rest, cliContext(env))
      case 'export':
        return await (await import('./commands/transfer.ts')).exportCommand(rest, cliContext(env), env)
      case 'import':
        return await (await import('./commands/transfer.ts')).importCommand(rest, cliContext(env), env)
      case 'reg':
        return await (await import('./commands/reg.ts')).reg(rest, cliContext(env))
      case 'files':
        return await (await import('./commands/files.ts')).files(rest, cliContext(env))
      case 'run':
        return await (await import('./commands/run.ts')).run(rest, cliContext(env))
      case 'logs':
        return await (await import('./commands/logs.ts')).logs(rest, cliContext(env))
      case 'jobs':
        return await (await import('./commands/jobs.ts')).jobs(rest, cliContext(env))
      case 'events':
        return await (await import('./commands/events.ts')).events(rest, cliContext(env))
      case 'login':
        return await (await import('./commands/login.ts')).login(rest, cliContext(env), env)
      case 'logout':
        return await (await import('./commands/login.ts')).logout(rest, cliContext(env), env)
      case 'token':
        return await (await import('./commands/token.ts')).token(rest, cliContext(env))
      case 'audit':
        return await (await import('./commands/audit.ts')).audit(rest, cliContext(env))
      default:
        throw new CliError(`unknown command "${command}"; see 'orbit --help'`, 2)
    }
  } catch (err) {
    console.error(`orbit: ${describe(err, env)}`)
    if (err instanceof CliError) return err.exitCode
    // node:util parseArgs refusing an option or argument is a usage mistake, like a CliError(…, 2).
    const code = err instanceof Error && 'code' in err ? String(err.code) : ''
    return code.startsWith('ERR_PARSE_ARGS_') ? 2 : 1
  }
}

function describe(err: unknown, env: NodeJS.ProcessEnv): string {
  if (err instanceof OrbitApiError) {
    if (err.code === 'EUNAUTHENTICATED') return `${err.message} (set ORBIT_TOKEN or run 'orbit login')`
    // The contract's validation message lists only the bad fields' paths: add what is wrong with
    // each. (A service's own EVALIDATION says it in its message already.)
    const generic = err.code === 'EVALIDATION' && err.message.startsWith('invalid request')
    const fields = generic ? err.problem?.errors?.map((e) => `${e.path}: ${e.message}`).join('; ') : ''
    return `${err.message}${fields ? ` (${fields})` : ''} [${err.code}]`
  }
  if (err instanceof TypeError && /fetch failed/.test(err.message)) {
    return `cannot reach the gateway at ${env.ORBIT_URL ?? 'http://127.0.0.1:7780'}; is it running? ('orbit serve')`
  }
  if (err instanceof Error && 'code' in err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return err.message
  return err instanceof Error ? err.message : String(err)
}
