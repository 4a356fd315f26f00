import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { OrbitError } from '../../errors.ts'
import { hostDisplay } from './display.ts'

const none = { display: '', xauthority: '' }
const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(
    fn,
    (e: unknown) => e instanceof OrbitError && e.code === 'ECONFLICT' && pattern.test(e.message),
  )

test('no display anywhere: refused, saying what to set', () => {
  refused(() => hostDisplay(none, {}), /set \[display\] x11 in orbit.toml/)
})

test('a remote or malformed display is refused: only a local socket can be mapped', () => {
  refused(() => hostDisplay(none, { DISPLAY: 'localhost:10.0' }), /only a local X server/)
  refused(() => hostDisplay({ display: 'wat', xauthority: '' }, {}), /\[display\] x11 in orbit.toml is "wat"/)
})

test('a display whose socket is missing is refused', () => {
  refused(() => hostDisplay(none, { DISPLAY: ':64999' }), /no X server listens on display :64999/)
})

test('a live local X server resolves to its socket and cookie; the config wins over DISPLAY', async (t) => {
  if (!existsSync('/usr/bin/Xvfb')) return t.skip('Xvfb is not installed (Debian package xvfb)')
  const n = 90 + Math.floor(Math.random() * 800)
  const xvfb = spawn('/usr/bin/Xvfb', [`:${n}`, '-nolisten', 'tcp'], { stdio: 'ignore' })
  const exited = new Promise((r) => xvfb.once('exit', r))
  const dir = mkdtempSync(join(tmpdir(), 'orbit-test-xauth-'))
  try {
    for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) await sleep(50)
    const cookie = join(dir, 'cookie')
    writeFileSync(cookie, '')
    assert.deepEqual(hostDisplay({ display: `:${n}.0`, xauthority: cookie }, { DISPLAY: ':0' }), {
      number: n,
      socket: `/tmp/.X11-unix/X${n}`,
      xauthority: cookie,
    })
    assert.deepEqual(hostDisplay(none, { DISPLAY: `unix:${n}`, XAUTHORITY: join(dir, 'absent') }), {
      number: n,
      socket: `/tmp/.X11-unix/X${n}`,
      xauthority: null,
    })
  } finally {
    xvfb.kill()
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
})
