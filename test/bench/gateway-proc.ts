// Child processes for the gateway benchmarks: the real gateway (`orbit serve`) and a bare server,
// each in its own process so the load generator (this process) never shares their event loop.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const orbitBin = fileURLToPath(new URL('../../server/bin/orbit.js', import.meta.url))

export interface Proc {
  port: number
  proc: ChildProcess
  /** Resident set size of the process now, in bytes (from /proc). */
  rss(): number
  stop(): Promise<void>
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : Number.NaN
}

/** Waits until `ready` finds what it needs in the child's stdout, then stops keeping it. */
function started(proc: ChildProcess, ready: (out: string) => number | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`did not start in 60 s:\n${out}`)), 60_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const port = ready(out)
      if (port === undefined) return
      clearTimeout(timer)
      // From here on its output (request logs) is read and dropped, never kept.
      proc.stdout?.off('data', onData)
      proc.stdout?.resume()
      resolve(port)
    }
    proc.stdout?.on('data', onData)
    proc.stderr?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code}:\n${out}`))
    })
  })
}

function stopper(proc: ChildProcess, after?: () => void): () => Promise<void> {
  return async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      await exited
    }
    after?.()
  }
}

export interface GatewayProc extends Proc {
  url: string
  adminToken: string
  dataDir: string
}

/** The real gateway on loopback, with its own data dir and a bootstrap admin token. */
export async function startOrbit(nodeArgs: string[] = []): Promise<GatewayProc> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orbit-bench-gw-'))
  const adminToken = randomBytes(24).toString('base64url')
  const proc = spawn(process.execPath, [...nodeArgs, orbitBin, 'serve', '--data', dataDir, '--port', '0'], {
    env: { ...process.env, ORBIT_ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  proc.stderr?.resume()
  const port = await started(proc, (out) => {
    if (!/ {2}stop: /.test(out)) return undefined
    const url = /Orbit is running at https?:\/\/[^\s/]+:(\d+)/.exec(out)
    return url ? Number(url[1]) : undefined
  }).catch((err: unknown) => {
    proc.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  })
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    adminToken,
    dataDir,
    proc,
    rss: () => rssOf(proc.pid as number),
    stop: stopper(proc, () => rmSync(dataDir, { recursive: true, force: true })),
  }
}

/** A bare Hono hello-world on @hono/node-server (http-hello-server.ts). */
export async function startHello(): Promise<Proc> {
  const script = fileURLToPath(new URL('./http-hello-server.ts', import.meta.url))
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] })
  const port = await started(proc, (out) => {
    const m = /\{"port":(\d+)\}/.exec(out)
    return m ? Number(m[1]) : undefined
  })
  return { port, proc, rss: () => rssOf(proc.pid as number), stop: stopper(proc) }
}
