// GUI programs and the display, end to end: a real gateway with real Wine, a headless X server
// (Xvfb) standing in for the desktop, and the `orbit` CLI. A container whose display is "host"
// runs a Win32 program whose window appears on that X server, sized by its screen; with display
// "none" the same program gets no window; a GUI installer's window shows while its install runs;
// and a gateway without a display says what to set.
import assert from 'node:assert/strict'
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'
import { runCli } from '../support/cli.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

const PROBE = 'C:\\Program Files\\Acme\\acme.exe' // window-probe.exe, as probe-setup installs it
const haveX = existsSync('/usr/bin/Xvfb') && existsSync('/usr/bin/xwininfo')
const display = 100 + (process.pid % 800)
const dataDir = mkdtempSync(join(tmpdir(), 'orbit-e2e-gui-'))
let xvfb: ChildProcess | undefined
let xvfbExited: Promise<unknown> = Promise.resolve()
let gw: RunningGateway | undefined
let env: NodeJS.ProcessEnv

const orbit = (...args: string[]) => runCli(args, env)
const ok = async (...args: string[]) => {
  const r = await orbit(...args)
  assert.equal(r.code, 0, `orbit ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}
/** The window titles the X server shows now. */
const windows = () =>
  execFileSync('/usr/bin/xwininfo', ['-root', '-tree', '-display', `:${display}`], { encoding: 'utf8' })

before(async () => {
  if (!haveX) return
  buildFixtures({ log: () => {} })
  xvfb = spawn('/usr/bin/Xvfb', [`:${display}`, '-screen', '0', '1234x567x24', '-nolisten', 'tcp'], {
    stdio: 'ignore',
  })
  xvfbExited = new Promise((r) => xvfb?.once('exit', r))
  for (let i = 0; i < 200 && !existsSync(`/tmp/.X11-unix/X${display}`); i++) await sleep(50)
  // The gateway's own DISPLAY is not used: the configured display wins.
  gw = await spawnGateway({ dataDir, env: { ORBIT_DISPLAY: `:${display}`, DISPLAY: ':64999' } })
  env = { ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token }
  await ok('container', 'create', 'gui', '--display', 'host')
  await ok('install', 'gui', fixturePath('probe-setup'), '--', '/S')
})

after(async () => {
  await gw?.stop()
  xvfb?.kill()
  await xvfbExited
  rmSync(dataDir, { recursive: true, force: true })
})

test('display host: the window opens on the host X server, on a screen of its size', async (t) => {
  if (!haveX) return t.skip('needs Xvfb and xwininfo (Debian xvfb, x11-utils)')
  assert.match((await ok('container', 'show', 'gui')).stdout, /display: {2}the host's X display/)
  const run = orbit('run', 'gui', '--', PROBE, '6000')
  let seen = ''
  for (let i = 0; i < 600 && !seen.includes('"Orbit window probe"'); i++) {
    await sleep(100)
    seen = windows()
  }
  assert.match(seen, /"Orbit window probe"/, 'the window is on the X server while the program runs')
  const r = await run
  assert.equal(r.code, 0, r.stderr + r.stdout)
  assert.match(r.stdout, /^screen=1234x567$/m)
  assert.match(r.stdout, /^window=shown$/m)
  assert.match(r.stdout, /^window=closed$/m)
  assert.doesNotMatch(windows(), /"Orbit window probe"/, 'gone once it closed')
})

test('display none: the same program runs without a window', async (t) => {
  if (!haveX) return t.skip('needs Xvfb and xwininfo (Debian xvfb, x11-utils)')
  // Right after a run: the setting ends the sandbox Wine kept warm with the display, so the next
  // run starts a fresh one without it (instead of ERUNNING).
  await ok('container', 'set', 'gui', '--display', 'none')
  const r = await orbit('run', 'gui', '--', PROBE, '500')
  assert.equal(r.code, 2, r.stderr + r.stdout)
  assert.match(r.stdout, /^window=failed/m)
  assert.doesNotMatch(windows(), /"Orbit window probe"/)
  await ok('container', 'set', 'gui', '--display', 'host')
})

test('display host: a GUI installer shows its window while the install runs, and the install succeeds', async (t) => {
  if (!haveX) return t.skip('needs Xvfb and xwininfo (Debian xvfb, x11-utils)')
  // The "installer" is window-probe.exe itself: a window for 4 s, then exit 0 (2 without a display).
  const install = orbit('install', 'gui', fixturePath('window-probe'), '--', '4000')
  let seen = ''
  let done = false
  void install.finally(() => {
    done = true
  })
  for (let i = 0; i < 1200 && !done && !seen.includes('"Orbit window probe"'); i++) {
    await sleep(100)
    seen = windows()
  }
  assert.match(seen, /"Orbit window probe"/, 'the installer’s window is on the X server while the job runs')
  const r = await install
  assert.equal(r.code, 0, r.stderr + r.stdout)
  assert.doesNotMatch(windows(), /"Orbit window probe"/, 'gone once the installer closed it')
})

test('a gateway without a display refuses a display-host run and install, saying what to set', async (t) => {
  if (!haveX) return t.skip('needs Xvfb and xwininfo (Debian xvfb, x11-utils)')
  // Same data, a gateway started with no display at all.
  await gw?.stop()
  const noX: NodeJS.ProcessEnv = { ORBIT_DISPLAY: '', DISPLAY: '' }
  gw = await spawnGateway({ dataDir, env: { ...noX, ORBIT_ADMIN_TOKEN: env.ORBIT_TOKEN } })
  env = { ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token }
  const r = await orbit('run', 'gui', '--', PROBE, '500')
  assert.notEqual(r.code, 0, r.stdout)
  assert.equal(r.stderr.trim().split('\n').length, 1, `${r.code} ${r.stderr} ${r.stdout}`)
  assert.match(r.stderr, /the gateway has none: set \[display\] x11 in orbit\.toml.*\[ECONFLICT\]$/m)
  // An install too, when it is asked for (not once its job has started).
  const state = async () => /^ {2}state: .*$/m.exec((await ok('container', 'show', 'gui')).stdout)?.[0]
  const was = await state()
  const i = await orbit('install', 'gui', fixturePath('window-probe'), '--', '500')
  assert.notEqual(i.code, 0, i.stdout)
  assert.match(i.stderr, /the gateway has none: set \[display\] x11 in orbit\.toml.*\[ECONFLICT\]$/m)
  assert.ok(was)
  assert.equal(await state(), was, 'the container is left as it was')
})
