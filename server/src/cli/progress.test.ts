import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatBytes, ProgressBar } from './progress.ts'

const sink = (tty: boolean) => {
  const out = { text: '', isTTY: tty, columns: 60, write: (s: string) => (out.text += s) }
  return out
}

test('formatBytes', () => {
  assert.equal(formatBytes(0), '0 B')
  assert.equal(formatBytes(1536), '1.5 KiB')
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB')
  assert.equal(formatBytes(200 * 1024 ** 2), '200 MiB')
})

test('on a terminal: a bar with a percentage, redrawn in place, cut to the width', () => {
  const out = sink(true)
  const bar = new ProgressBar(out)
  bar.update({ phase: 'upload', done: 512, total: 1024, unit: 'bytes', message: 'acme-setup.exe' })
  assert.equal(bar.render(80), '[##########..........]  50%  upload  acme-setup.exe')
  assert.ok(out.text.startsWith('\r\u001b[K['))
  bar.update({ message: 'x'.repeat(200) })
  assert.ok(bar.render(59).length <= 59)
  bar.line('a line')
  // The bar is wiped, the line printed, and the bar drawn again under it.
  assert.ok(out.text.includes('\r\u001b[Ka line\n\r\u001b[K['), JSON.stringify(out.text))
  bar.done()
  assert.ok(out.text.endsWith('\r\u001b[K'))
})

test('an unknown total shows a moving counter', () => {
  const bar = new ProgressBar(sink(true))
  bar.update({ phase: 'scan', done: 3, total: null, unit: 'files' })
  const a = bar.render(80)
  bar.update({ done: 4 })
  assert.match(a, /3 files {2}scan$/)
  assert.notEqual(a.slice(0, 22), bar.render(80).slice(0, 22))
})

test('in a pipe: one line per phase, plus the given lines, no control characters', () => {
  const out = sink(false)
  const bar = new ProgressBar(out)
  bar.update({ phase: 'prepare', message: 'checking' })
  bar.update({ done: 5 })
  bar.update({ phase: 'install', message: 'setup: acme 1.0.0' })
  bar.line('  setup: done')
  bar.done()
  assert.equal(out.text, 'prepare: checking\ninstall: setup: acme 1.0.0\n  setup: done\n')
})

test('a terminal that reports no width (0 columns, as a bare pty) still gets a readable bar', () => {
  const out = { text: '', isTTY: true, columns: 0, write: (s: string) => (out.text += s) }
  new ProgressBar(out).update({ phase: 'upload', done: 1, total: 4, unit: 'bytes', message: 'a.exe' })
  assert.ok(out.text.includes('[#####...............]  25%  upload  a.exe'), JSON.stringify(out.text))
})
