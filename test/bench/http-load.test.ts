import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { runLoad } from './http-load.ts'

// The generator must frame every kind of response right, or it would hang or miscount.
test('the load generator frames Content-Length, chunked and empty responses and counts them', async () => {
  let served = 0
  const server = createServer((req, res) => {
    served++
    if (req.url === '/chunked') {
      res.write('a'.repeat(1000))
      setImmediate(() => res.end('b'.repeat(3000)))
    } else if (req.url === '/empty') {
      res.writeHead(204).end()
    } else if (req.url === '/missing') {
      res.writeHead(404, { 'content-length': '2' }).end('no')
    } else {
      res.writeHead(200, { 'content-length': '5' }).end('hello')
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  try {
    for (const path of ['/', '/chunked', '/empty']) {
      const r = await runLoad({
        host: '127.0.0.1',
        port,
        path,
        connections: 4,
        durationMs: 300,
        warmupMs: 50,
      })
      assert.ok(r.requests > 20, `${path}: ${r.requests} requests`)
      assert.equal(r.non2xx, 0, path)
      assert.ok(r.p99 >= r.p50 && r.p50 > 0, path)
      assert.ok(Math.abs(r.rps - r.requests / r.seconds) < 1e-6)
    }
    const missing = await runLoad({
      host: '127.0.0.1',
      port,
      path: '/missing',
      connections: 2,
      durationMs: 200,
      warmupMs: 0,
    })
    assert.equal(missing.non2xx, missing.requests)
    assert.ok(served > 60)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
})
