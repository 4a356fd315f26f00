// Win32 launch in a container vs bare Wine on a copy of the same prefix; an empty container's size vs
// a full prefix copy; parse + query of the base runtime's system.reg through the core.
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
import { startRun } from '../../native/sandbox.ts'
import { fixturePath } from '../../scripts/build-fixtures.mjs'
import { type Bench, medianMs, mib, ms } from './harness.ts'

const duBytes = (path: string): number =>
  Number(spawnSync('du', ['-sb', path], { encoding: 'utf8' }).stdout.split('\t')[0])

function bareWine(prefix: string, home: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const p = spawn('wine', args, {
      env: {
        ...process.env,
        WINEPREFIX: prefix,
        HOME: home,
        WINEDEBUG: '-all',
        WINEDLLOVERRIDES: 'winemenubuilder.exe=d',
      },
      stdio: 'ignore',
    })
    p.once('error', reject)
    p.once('exit', resolve)
  })
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
    const runs = 10
    const bare = await medianMs(
      async () => {
        const code = await bareWine(copy, home, [acme, '--exit', '0'])
        if (code !== 0) throw new Error(`acme.exe exited ${code} under bare wine`)
      },
      runs,
      2,
    )
    const prefix = containerPrefix(data, c)
    const orbit = await medianMs(
      async () => {
        const run = await startRun({
          kind: 'wine',
          program: acme,
          args: ['--exit', '0'],
          prefix,
          instance: c.id,
        })
        const status = await run.exited
        if (status.code !== 0) throw new Error(`acme.exe exited ${status.code} in its container`)
      },
      runs,
      2,
    )
    spawnSync('wineserver', ['-k'], { env: { ...process.env, WINEPREFIX: copy, HOME: home } })

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
    rmSync(data, { recursive: true, force: true })
    rmSync(home, { recursive: true, force: true })
  }
}
