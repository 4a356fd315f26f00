// .ctnr export (signed, multi-threaded zstd) vs `tar -I 'zstd -T0' -cf`, and import (signature,
// every hash verified) vs `tar -I zstd -xf`, on a generated ~300 MB / 3000-file layer: a mix of
// compressible text and random bytes, like an installed application.

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createContainer, deleteContainer } from '../../native/core-api.ts'
import { exportContainer, importContainer } from '../../native/pack-api.ts'
import { type Bench, type BenchResult, mib, ms } from './harness.ts'

/** Pseudo-text: words and numbers, compressible about 4:1 like logs, scripts and resources. */
function text(bytes: number, seed: number): Buffer {
  const words = ['acme', 'window', 'registry', 'value', 'string', 'resource', 'dialog', 'font', 'menu']
  const parts: string[] = []
  let n = 0
  let x = seed
  while (n < bytes) {
    x = (x * 1103515245 + 12345) >>> 0
    const w = `${words[x % words.length]}${x % 1000} `
    parts.push(w)
    n += w.length
  }
  return Buffer.from(parts.join('')).subarray(0, bytes)
}

/** ~300 MB in 3000 files: 20 big files (half random), the rest small, 45% random bytes overall. */
function generate(root: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  const put = (rel: string, data: Buffer) => {
    const p = join(root, rel)
    mkdirSync(join(p, '..'), { recursive: true })
    writeFileSync(p, data)
    files++
    bytes += data.length
  }
  const textPool = text(8 << 20, 7)
  for (let i = 0; i < 20; i++) {
    const size = 6 << 20
    put(`drive_c/Program Files/App/data/pack${i}.bin`, i % 2 ? randomBytes(size) : text(size, i))
  }
  for (let i = 0; i < 2980; i++) {
    const size = 20_000 + ((i * 7919) % 80_000)
    const dir = `drive_c/Program Files/App/lib${i % 40}/sub${i % 7}`
    if (i % 2) put(`${dir}/f${i}.dll`, randomBytes(size))
    else {
      const at = (i * 104729) % (textPool.length - size)
      put(`${dir}/f${i}.txt`, Buffer.concat([Buffer.from(`${i}\n`), textPool.subarray(at, at + size)]))
    }
  }
  return { files, bytes }
}

const now = () => Number(process.hrtime.bigint()) / 1e6

/** Run a command under GNU time; its CPU time (user + sys, children included) in ms. */
function execCpu(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.on('data', (c: Buffer) => {
      err += c.toString()
    })
    p.once('error', reject)
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err}`))
      const [user = Number.NaN, sys = Number.NaN] = (err.trim().split('\n').pop() ?? '')
        .split(' ')
        .map(Number)
      resolve((user + sys) * 1000)
    })
  })
}

/** CPU time (ms) this process spends in `fn`, the core's threads included. */
async function inProcessCpu(fn: () => Promise<unknown>): Promise<number> {
  const u0 = process.cpuUsage()
  await fn()
  const u = process.cpuUsage(u0)
  return (u.user + u.system) / 1000
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN

/** Medians of wall and CPU time of `runs` runs of `fn` (which returns its CPU ms), each after an untimed `prepare`. */
async function timed(runs: number, prepare: () => unknown, fn: () => Promise<number>) {
  const walls: number[] = []
  const cpus: number[] = []
  for (let i = 0; i < runs; i++) {
    await prepare()
    const t0 = now()
    cpus.push(await fn())
    walls.push(now() - t0)
  }
  return { wall: median(walls), cpu: median(cpus) }
}

type Timing = { wall: number; cpu: number }
const row = (name: string, baseline: string, ours: Timing, base: Timing): BenchResult => ({
  name,
  baseline,
  value: ms(ours.wall),
  baselineValue: ms(base.wall),
  // CPU time beside the wall-clock ratio: on a shared machine it is the steadier figure.
  ratio: `${(ours.wall / base.wall).toFixed(2)}x (CPU ${ms(ours.cpu)} vs ${ms(base.cpu)})`,
  target: 'at least as fast (<= 1.00x)',
  met: ours.wall <= base.wall,
})

export const pack: Bench = async () => {
  const root = mkdtempSync(join(tmpdir(), 'orbit-bench-pack-'))
  try {
    const a = join(root, 'a')
    const b = join(root, 'b')
    const c = await createContainer(a, { id: 'big', name: 'Big', runtime: { kind: 'native' } })
    const upper = join(c.path, 'layer', 'upper')
    const layer = generate(upper)
    const archive = join(root, 'big.ctnr')
    const tarball = join(root, 'big.tar.zst')
    const out = join(root, 'untar')
    const runs = 3

    const exp = await timed(
      runs,
      () => rmSync(archive, { force: true }),
      () => inProcessCpu(() => exportContainer(a, 'big', archive)),
    )
    const tar = await timed(
      runs,
      () => rmSync(tarball, { force: true }),
      () => execCpu('tar', ['-I', 'zstd -T0', '-cf', tarball, '-C', upper, '.']),
    )
    let n = 0
    const imp = await timed(
      runs,
      async () => {
        if (n > 0) await deleteContainer(b, `copy${n}`)
        n++
      },
      () => inProcessCpu(() => importContainer(b, archive, { id: `copy${n}`, trust: true })),
    )
    const untar = await timed(
      runs,
      () => {
        rmSync(out, { recursive: true, force: true })
        mkdirSync(out)
      },
      () => execCpu('tar', ['-I', 'zstd', '-xf', tarball, '-C', out]),
    )
    const size = `${layer.files} files, ${mib(layer.bytes)}`
    return [
      row(
        `export .ctnr (${size} -> ${mib(statSync(archive).size)})`,
        `tar -I 'zstd -T0' -cf (-> ${mib(statSync(tarball).size)})`,
        exp,
        tar,
      ),
      row('import .ctnr (signature + every hash verified)', 'tar -I zstd -xf', imp, untar),
    ]
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
