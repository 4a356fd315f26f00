// Content store on a generated 1 GB / 10k-file layer (half random, half compressible text):
// first snapshot vs `tar -c | zstd -1 -T0` of the same tree (each also with its output made
// durable), a snapshot of the unchanged layer vs the first, and clone vs `cp -a` of the layer.
import { spawnSync } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createContainer } from '../../native/core-api.ts'
import { cloneContainer, createSnapshot } from '../../native/store-api.ts'
import { type Bench, ms } from './harness.ts'

const FILES = 10_000
const TOTAL = 1 << 30

function sh(cmd: string): void {
  const r = spawnSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}`)
}

function timed(fn: () => void): number {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint()
  const out = await fn()
  return [Number(process.hrtime.bigint() - t0) / 1e6, out]
}

/** 10k files, 1 GiB: sizes spread from 2 KiB to ~210 KiB, odd files random, even files text. */
function generate(root: string): void {
  const words = 'wine registry layer snapshot orbit container runtime prefix drive program files user '
  const text = Buffer.alloc(512 * 1024)
  for (let i = 0; i < text.length; i++) text[i] = words.charCodeAt(i % words.length)
  const noise = Buffer.alloc(8 * 1024 * 1024)
  randomFillSync(noise)
  const avg = TOTAL / FILES
  let offset = 0
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, 'drive_c', `d${i % 100}`, `s${Math.floor(i / 100) % 10}`)
    if (i < 1000) mkdirSync(dir, { recursive: true })
    const size = Math.max(1024, Math.round(avg * (0.02 + (1.96 * ((i * 7919) % FILES)) / FILES)))
    let body: Buffer
    if (i % 2 === 1) {
      if (offset + size > noise.length) {
        randomFillSync(noise)
        offset = 0
      }
      body = noise.subarray(offset, offset + size)
      offset += size
    } else {
      // Compressible, but unique per file (so the store cannot dedupe what tar cannot).
      body = Buffer.concat([Buffer.from(`file ${i}\n`), text.subarray(0, size)]).subarray(0, size)
    }
    writeFileSync(join(dir, `f${i}.dat`), body)
  }
}

export const storeBench: Bench = async () => {
  const data = mkdtempSync(join(tmpdir(), 'orbit-bench-store-'))
  try {
    const c = await createContainer(data, { id: 'big', name: 'big', runtime: { kind: 'native' } })
    const upper = join(c.path, 'layer', 'upper')
    console.error('bench store: generating a 1 GiB / 10k-file layer…')
    generate(upper)
    sh('sync')

    // Baseline: tar | zstd of the same tree, with and without making the archive durable.
    const archive = join(data, 'layer.tar.zst')
    const tarZstd = timed(() => sh(`tar -C '${upper}' -cf - . | zstd -q -1 -T0 -o '${archive}'`))
    const tarSync = timed(() => sh(`sync '${archive}'`))
    rmSync(archive)
    sh('sync')

    const [firstWall, first] = await timedAsync(() => createSnapshot(data, 'big', 'first'))
    const [secondWall, second] = await timedAsync(() => createSnapshot(data, 'big', 'unchanged'))
    if (second.filesRead !== 0) throw new Error(`the unchanged snapshot read ${second.filesRead} files`)

    const copy = join(data, 'copy')
    const cp = timed(() => sh(`cp -a '${upper}' '${copy}'`))
    rmSync(copy, { recursive: true, force: true })
    const [cloneWall] = await timedAsync(() => cloneContainer(data, 'big', { id: 'big-clone' }))

    const firstNoSync = firstWall - first.syncMs
    const mb = (TOTAL / 1e6).toFixed(0)
    return [
      {
        name: `first snapshot, ${FILES} files / ${mb} MB, until durable`,
        baseline: 'tar -c | zstd -1 -T0, then fsync of the archive',
        value: `${ms(firstWall)} (flush ${ms(first.syncMs)})`,
        baselineValue: `${ms(tarZstd + tarSync)} (flush ${ms(tarSync)})`,
        ratio: `${(firstWall / (tarZstd + tarSync)).toFixed(2)}x`,
        target: 'faster than the baseline',
        met: firstWall < tarZstd + tarSync,
      },
      {
        name: 'first snapshot, before the flush',
        baseline: 'tar -c | zstd -1 -T0 (no flush)',
        value: ms(firstNoSync),
        baselineValue: ms(tarZstd),
        ratio: `${(firstNoSync / tarZstd).toFixed(2)}x`,
        target: 'faster than the baseline',
        met: firstNoSync < tarZstd,
      },
      {
        name: 'snapshot of the unchanged layer',
        baseline: 'the first snapshot',
        value: ms(secondWall),
        baselineValue: ms(firstWall),
        ratio: `${((100 * secondWall) / firstWall).toFixed(2)}%`,
        target: 'under 5% of the first',
        met: secondWall < 0.05 * firstWall,
      },
      {
        name: `clone of a ${FILES}-file layer`,
        baseline: 'cp -a of the layer',
        value: ms(cloneWall),
        baselineValue: ms(cp),
        ratio: `${(cloneWall / cp).toFixed(4)}x`,
        target: 'under 100 ms',
        met: cloneWall < 100,
      },
    ]
  } finally {
    spawnSync('chmod', ['-R', 'u+w', data])
    rmSync(data, { recursive: true, force: true })
  }
}
