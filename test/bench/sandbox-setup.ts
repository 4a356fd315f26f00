// Sandbox set-up for a native program: Orbit's sandbox vs bare fork+exec vs bwrap with equivalent binds.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { startRun } from '../../native/sandbox.ts'
import { type Bench, medianMs, ms } from './harness.ts'

function exec(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'ignore' })
    p.once('error', reject)
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))))
  })
}

// bwrap with what Orbit's sandbox does for a native run: new mount/pid/ipc/uts namespaces, a new
// session, host system dirs read-only, fresh /proc, minimal /dev, private /tmp and home, die-with-parent.
const bwrapArgs = [
  '--unshare-pid',
  '--unshare-ipc',
  '--unshare-uts',
  '--new-session',
  '--die-with-parent',
  ...['/usr', '/etc'].flatMap((d) => ['--ro-bind', d, d]),
  ...['bin', 'sbin', 'lib', 'lib64']
    .filter((d) => existsSync(`/${d}`))
    .flatMap((d) => ['--symlink', `usr/${d}`, `/${d}`]),
  '--proc',
  '/proc',
  '--dev',
  '/dev',
  '--tmpfs',
  '/tmp',
  '--tmpfs',
  '/home/orbit',
  '/bin/true',
]

export const sandboxSetup: Bench = async () => {
  const runs = 40
  const bare = await medianMs(() => exec('/bin/true', []), runs)
  const bwrap = existsSync('/usr/bin/bwrap')
    ? await medianMs(() => exec('/usr/bin/bwrap', bwrapArgs), runs)
    : Number.NaN
  const orbit = await medianMs(async () => {
    const run = await startRun({ kind: 'native', program: '/bin/true', lingerMs: 0 })
    const status = await run.exited
    if (status.code !== 0) throw new Error(`/bin/true exited ${status.code} in the sandbox`)
  }, runs)
  const added = orbit - bare
  return [
    {
      name: 'sandbox set-up, /bin/true',
      baseline: 'bare fork+exec',
      value: ms(orbit),
      baselineValue: ms(bare),
      ratio: `added ${ms(added)}`,
      target: 'under 3 ms added',
      met: added < 3,
    },
    {
      name: 'sandbox set-up vs bwrap',
      baseline: 'bwrap, equivalent binds',
      value: ms(orbit),
      baselineValue: Number.isNaN(bwrap) ? 'bwrap not installed' : ms(bwrap),
      ratio: Number.isNaN(bwrap) ? '-' : `${(orbit / bwrap).toFixed(2)}x (bwrap adds ${ms(bwrap - bare)})`,
      target: 'reported',
      met: true,
    },
  ]
}
