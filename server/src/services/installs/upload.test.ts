import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { OrbitError } from '../../errors.ts'
import { receiveUpload, uploadsDir } from './upload.ts'

const data = mkdtempSync(join(tmpdir(), 'orbit-upload-'))
after(() => rmSync(data, { recursive: true, force: true }))

/** A body that arrives in `n` chunks of `size` bytes, as a client streaming it would send it. */
function chunked(n: number, size: number, fill = 0x41): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent++ === n) controller.close()
      else controller.enqueue(new Uint8Array(size).fill(fill))
    },
  })
}

const code = (c: string) => (e: unknown) => e instanceof OrbitError && e.code === c

test('a streamed body becomes a file under <data>/uploads/<id>/<name>', async () => {
  const up = await receiveUpload(chunked(4, 1000), data, 'setup.exe', 4000)
  assert.equal(up.size, 4000)
  assert.equal(up.path, join(up.dir, 'setup.exe'))
  assert.ok(up.dir.startsWith(uploadsDir(data)))
  assert.equal(readFileSync(up.path).length, 4000)
})

test('one byte over the limit is refused and nothing is left behind', async () => {
  const before = readdirSync(uploadsDir(data)).length
  await assert.rejects(receiveUpload(chunked(5, 1000), data, 'big.exe', 4999), code('EPAYLOAD_TOO_LARGE'))
  assert.equal(readdirSync(uploadsDir(data)).length, before)
})

test('no body, an empty body, or a body that breaks off is a validation error, cleaned up', async () => {
  const before = readdirSync(uploadsDir(data)).length
  await assert.rejects(receiveUpload(null, data, 'x.exe', 10), code('EVALIDATION'))
  await assert.rejects(receiveUpload(chunked(0, 0), data, 'x.exe', 10), code('EVALIDATION'))
  let n = 0
  const broken = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (n++ < 2) controller.enqueue(new Uint8Array(10))
      else controller.error(new Error('connection reset'))
    },
  })
  await assert.rejects(
    receiveUpload(broken, data, 'x.exe', 1000),
    (e) => code('EVALIDATION')(e) && /broke off/.test(String(e)),
  )
  assert.equal(readdirSync(uploadsDir(data)).length, before)
  assert.ok(existsSync(uploadsDir(data)))
})
