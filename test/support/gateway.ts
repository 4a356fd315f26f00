// Starts the real gateway as a child process (`orbit serve`) on a free port with its own data dir.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const orbitBin = fileURLToPath(new URL('../../server/bin/orbit.js', import.meta.url))

export interface RunningGateway {
  url: string
  /** The bootstrap admin token this gateway was started with (ORBIT_ADMIN_TOKEN). */
  token: string
  /** Where browsers sign in with passkeys, e.g. http://localhost:PORT/. */
  panelUrl: string
  /** The first-run link, printed while there is no admin. */
  setupUrl: string | undefined
  dataDir: string
  proc: ChildProcess
  output: () => string
  stop(): Promise<void>
}

export async function spawnGateway(
  options: { dataDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningGateway> {
  const ownDir = options.dataDir === undefined
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'orbit-e2e-'))
  // Tests drive the API as automation does: with an opted-in bootstrap admin token.
  const token = options.env?.ORBIT_ADMIN_TOKEN ?? randomBytes(24).toString('base64url')
  const proc = spawn(process.execPath, [orbitBin, 'serve', '--data', dataDir, '--port', '0'], {
    env: { ...process.env, ...options.env, ORBIT_ADMIN_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const started = await new Promise<{ url: string; panelUrl: string; setupUrl: string | undefined }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start in 60 s:\n${out}`)), 60_000)
      const check = () => {
        // The banner ends with the "stop:" line, so everything before it has been printed.
        if (!/ {2}stop: /.test(out)) return
        const url = /Orbit is running at (https?:\/\/\S+)/.exec(out)?.[1]
        const panelUrl = / {2}panel: (\S+)/.exec(out)?.[1]
        if (!url || !panelUrl) return
        clearTimeout(timer)
        resolve({ url, panelUrl, setupUrl: /Set up the first admin: (\S+)/.exec(out)?.[1] })
      }
      proc.stdout?.on('data', check)
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`gateway exited with ${code}:\n${out}`))
      })
    },
  )
  return {
    ...started,
    token,
    dataDir,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await exited
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
