// Starts the real gateway as a child process (`orbit serve`) on a free port with its own data dir.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const orbitBin = fileURLToPath(new URL('../../server/bin/orbit.js', import.meta.url))

export interface RunningGateway {
  url: string
  token: string
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
  const proc = spawn(process.execPath, [orbitBin, 'serve', '--data', dataDir, '--port', '0'], {
    env: { ...process.env, ORBIT_ADMIN_TOKEN: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const started = await new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 60 s:\n${out}`)), 60_000)
    const check = () => {
      const m = /Orbit is running at (http:\/\/\S+?)\/#token=(\S+)/.exec(out)
      if (m?.[1] && m[2]) {
        clearTimeout(timer)
        resolve({ url: m[1], token: m[2] })
      }
    }
    proc.stdout?.on('data', check)
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}:\n${out}`))
    })
  })
  return {
    ...started,
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
