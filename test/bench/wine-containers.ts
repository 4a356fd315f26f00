// Win32 launch in a container vs bare Wine on a copy of the same prefix (warm: the container's
// wineserver vs a running wineserver on the copy; cold: neither running); an empty container's size
// vs a full prefix copy; parse + query of the base runtime's system.reg through the core.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  containerPrefix,
  containerRegistryQuery,
  createContainer,
  ensureRuntime,
  install,
} from '../../native/core-api.ts'
import { startRun, stopInstance } from '../../native/sandbox.ts'
import { fixturePath } from '../../scripts/build-fixtures.mjs'
import { type Bench, medianMs, mib, ms } from './harness.ts'

const duBytes = (path: string): number =>
  Number(spawnSync('du', ['-sb', path], { encoding: 'utf8' }).stdout.split('\t')[0])

const wineEnv = (prefix: string, home: string) => ({
  ...process.env,
  WINEPREFIX: prefix,
  HOME: home,
  WINEDEBUG: '-all',
  WINEDLLOVERRIDES: 'winemenubuilder.exe=d',
})

function bareWine(prefix: string, home: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const p = spawn('wine', args, { env: wineEnv(prefix, home), stdio: 'ignore' })
    p.once('error', reject)
    p.once('exit', resolve)
  })
}

/** `wineserver <args>` on a prefix; stdio ignored (a started server keeps stderr open). */
const wineserver = (prefix: string, home: string, args: string[]) =>
  spawnSync('wineserver', args, { env: wineEnv(prefix, home), stdio: 'ignore' })

/** Medians of `a` and `b` timed alternately, so both sides see the same machine load. */
async function pairedMedians(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  runs: number,
  warmup: number,
): Promise<[number, number]> {
  for (let i = 0; i < warmup; i++) {
    await a()
    await b()
  }
  const ta: number[] = []
  const tb: number[] = []
  for (let i = 0; i < runs; i++) {
    for (const [fn, times] of [
      [a, ta],
      [b, tb],
    ] as const) {
      const t0 = process.hrtime.bigint()
      await fn()
      times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    }
  }
  const median = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)] ?? Number.NaN
  return [median(ta), median(tb)]
}

export const wineContainers: Bench = async () => {
  const data = mkdtempSync(join(tmpdir(), 'orbit-bench-'))
  const home = mkdtempSync(join(tmpdir(), 'orbit-bench-home-'))
  try {
    const rt = await ensureRuntime(data)
    const runtimePrefix = join(data, 'runtimes', rt.id, 'prefix')
    const empty = await createContainer(data, { id: 'empty', name: 'empty' })
    const emptyBytes = duBytes(empty.path)
    const prefixBytes = duBytes(runtimePrefix)

    // The same installed app on both sides: captured into a container, and installed by bare Wine
    // into a plain copy of the runtime's prefix.
    const c = await createContainer(data, { id: 'acme', name: 'Acme' })
    await install(data, c.id, fixturePath('acme-setup-v1'), ['/S'])
    const copy = join(data, 'prefix-copy')
    // A plain copy owned by us (Wine refuses a prefix owned by another user, and the runtime's is
    // owned by the sandbox's user).
    spawnSync('cp', ['-r', runtimePrefix, copy])
    const setup = await bareWine(copy, home, [fixturePath('acme-setup-v1'), '/S'])
    if (setup !== 0) throw new Error(`the installer exited ${setup} under bare wine`)
    const acme = 'C:\\Program Files\\Acme\\acme.exe'
    const bareRun = async () => {
      const code = await bareWine(copy, home, [acme, '--exit', '0'])
      if (code !== 0) throw new Error(`acme.exe exited ${code} under bare wine`)
    }
    const prefix = containerPrefix(data, c)
    const orbitRun = async () => {
      const run = await startRun({
        kind: 'wine',
        program: acme,
        args: ['--exit', '0'],
        prefix,
        instance: c.id,
      })
      const status = await run.exited
      if (status.code !== 0) throw new Error(`acme.exe exited ${status.code} in its container`)
    }
    const time = async (fn: () => Promise<unknown>) => {
      const t0 = process.hrtime.bigint()
      await fn()
      return Number(process.hrtime.bigint() - t0) / 1e6
    }

    // Cold: no wineserver on either side, so Wine boots (wineserver, wineboot, services...). Each
    // side runs alone: the other's Wine is stopped (or has finished shutting down) first.
    const coldRuns = 5
    const coldBare: number[] = []
    const coldOrbit: number[] = []
    for (let i = 0; i < coldRuns; i++) {
      await stopInstance(c.id, 2000)
      wineserver(copy, home, ['-k'])
      wineserver(copy, home, ['-w'])
      coldBare.push(await time(bareRun))
      wineserver(copy, home, ['-w'])
      coldOrbit.push(await time(orbitRun))
    }
    const median = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)] ?? Number.NaN

    // Warm: the container's sandbox keeps its wineserver between runs (for its linger time);
    // bare Wine gets the same, a wineserver kept running on the copy (Debian's wineserver wrapper
    // passes -p0, so without it a bare server only survives until its services have shut down).
    wineserver(copy, home, ['-p'])
    const [bare, orbit] = await pairedMedians(bareRun, orbitRun, 20, 2)
    wineserver(copy, home, ['-k'])
    await stopInstance(c.id, 2000)

    const key = 'HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion'
    const query = await medianMs(() => containerRegistryQuery(data, 'empty', key), 20)
    return [
      {
        name: 'acme.exe launch in a container',
        baseline: 'bare wine, copy of the prefix',
        value: ms(orbit),
        baselineValue: ms(bare),
        ratio: `${(orbit / bare).toFixed(3)}x`,
        target: 'at most 1.05x',
        met: orbit / bare <= 1.05,
      },
      {
        name: 'acme.exe cold launch in a container',
        baseline: 'bare wine, no wineserver running',
        value: ms(median(coldOrbit)),
        baselineValue: ms(median(coldBare)),
        ratio: `${(median(coldOrbit) / median(coldBare)).toFixed(3)}x`,
        target: 'at most 1.05x',
        met: median(coldOrbit) / median(coldBare) <= 1.05,
      },
      {
        name: 'empty container on disk',
        baseline: 'full prefix copy',
        value: mib(emptyBytes),
        baselineValue: mib(prefixBytes),
        ratio: `${((emptyBytes / prefixBytes) * 100).toFixed(4)}%`,
        target: 'under 2 MB',
        met: emptyBytes < 2 * 1024 * 1024,
      },
      {
        name: 'system.reg parse + query',
        baseline: 'none (absolute)',
        value: ms(query),
        baselineValue: '-',
        ratio: '-',
        target: 'under 20 ms',
        met: query < 20,
      },
    ]
  } finally {
    // The container's sandbox keeps Wine warm for a while: end it before its folder goes.
    await stopInstance('acme', 2000).catch(() => false)
    rmSync(data, { recursive: true, force: true })
    rmSync(home, { recursive: true, force: true })
  }
}
