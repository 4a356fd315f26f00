import { parseArgs } from 'node:util'
import { serveForever } from '../../main.ts'
import { CliError } from '../context.ts'

/** `orbit serve [--data DIR] [--host H] [--port P]`: runs the gateway in the foreground. */
export async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
    strict: true,
  })
  const port = values.port === undefined ? undefined : Number(values.port)
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new CliError(`--port must be a number from 0 to 65535, got "${values.port}"`, 2)
  }
  await serveForever({
    ...(values.data ? { dataDir: values.data } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(port !== undefined ? { port } : {}),
  })
  return new Promise<number>(() => {}) // runs until a signal stops the process
}
