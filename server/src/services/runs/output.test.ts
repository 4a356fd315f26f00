import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { maxChunkBytes, type OutputChunk, RunOutput } from './output.ts'

const dir = mkdtempSync(join(tmpdir(), 'orbit-output-'))
after(() => rmSync(dir, { recursive: true, force: true }))

test('every byte lands in the log in arrival order; events are contiguous slices of it', async () => {
  const log = join(dir, 'a.log')
  const events: OutputChunk[] = []
  const out = new RunOutput(log, (c) => events.push(c), 10)
  out.write('stdout', Buffer.from('one\n'))
  out.write('stdout', Buffer.from('two\n'))
  out.write('stderr', Buffer.from('oops\n'))
  out.write('stdout', Buffer.from('three\n'))
  await sleep(30)
  out.close()
  const text = readFileSync(log, 'utf8')
  assert.equal(text, 'one\ntwo\noops\nthree\n')
  // Consecutive stdout chunks were batched; a change of stream starts a new event.
  assert.deepEqual(events, [
    { stream: 'stdout', text: 'one\ntwo\n', offset: 0 },
    { stream: 'stderr', text: 'oops\n', offset: 8 },
    { stream: 'stdout', text: 'three\n', offset: 13 },
  ])
  for (const e of events) {
    assert.equal(
      Buffer.from(text)
        .subarray(e.offset, e.offset + Buffer.byteLength(e.text))
        .toString(),
      e.text,
    )
  }
})

test('big output is published in events of at most 16 KB, and UTF-8 is never split', () => {
  const log = join(dir, 'b.log')
  const events: OutputChunk[] = []
  const out = new RunOutput(log, (c) => events.push(c), 10_000)
  // 3-byte characters, so slices at maxChunkBytes fall inside characters.
  const big = Buffer.from('€'.repeat(20_000))
  out.write('stdout', big.subarray(0, 10_001))
  out.write('stdout', big.subarray(10_001))
  out.close()
  assert.ok(events.length >= 4)
  for (const e of events)
    assert.ok(Buffer.byteLength(e.text) <= maxChunkBytes + 3, `${Buffer.byteLength(e.text)}`)
  assert.equal(events.map((e) => e.text).join(''), '€'.repeat(20_000))
  assert.ok(!events.some((e) => e.text.includes('\ufffd')), 'no replacement characters')
  assert.deepEqual(readFileSync(log), big)
})

test('output beyond the limit is dropped with a note, and writes after close are ignored', () => {
  const log = join(dir, 'c.log')
  const events: OutputChunk[] = []
  const out = new RunOutput(log, (c) => events.push(c), 10, 10)
  out.write('stdout', Buffer.from('0123456789abcdef'))
  out.write('stdout', Buffer.from('more'))
  out.close()
  out.write('stdout', Buffer.from('late'))
  assert.match(readFileSync(log, 'utf8'), /^0123456789\n\[orbit: output beyond 10 bytes was dropped\]\n$/)
  assert.equal(events.map((e) => e.text).join(''), '0123456789')
})
