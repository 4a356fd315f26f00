import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { serve } from '@hono/node-server'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'
import { hostName } from './host-origin.ts'

let t: TestApp
let server: ReturnType<typeof serve>
let port: number
before(async () => {
  t = await makeTestApp()
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((r) => server.once('listening', r))
  port = (server.address() as AddressInfo).port
})
after(async () => {
  await new Promise((r) => server.close(r))
  await t.cleanup()
})

/** A raw HTTP request, so the test controls the Host header exactly (or leaves it out). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string>,
  setHost = true,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => {
        body += d.toString()
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('hostName parses names, ports and IPv6 literals', () => {
  assert.equal(hostName('127.0.0.1:7780'), '127.0.0.1')
  assert.equal(hostName('LOCALHOST'), 'localhost')
  assert.equal(hostName('[::1]:80'), '[::1]')
  assert.equal(hostName(':7780'), '')
  assert.equal(hostName(''), '')
  assert.equal(hostName('a b'), '')
})

test('Host: evil.example, Host: :PORT and a missing Host are refused (DNS rebinding)', async () => {
  for (const host of ['evil.example', `evil.example:${port}`, 'evil.example.']) {
    const res = await raw('GET', '/healthz', { host })
    assert.equal(res.status, 421, host)
    assert.equal(JSON.parse(res.body).code, 'EBAD_HOST')
  }
  // node-server already rejects a Host with no name as malformed, before the app runs.
  const noName = await raw('GET', '/healthz', { host: `:${port}` })
  assert.ok(noName.status >= 400 && noName.status < 500, `Host :PORT refused with ${noName.status}`)
  const missing = await raw('GET', '/healthz', {}, false)
  assert.ok(missing.status >= 400 && missing.status < 500, `no Host refused with ${missing.status}`)
})

test('loopback host names are accepted', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
    assert.equal((await raw('GET', '/healthz', { host })).status, 200, host)
  }
})

test('an unsafe request from another origin, even another localhost port, is refused', async () => {
  const host = `127.0.0.1:${port}`
  for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, `http://localhost:${port}`]) {
    const res = await raw('POST', '/api/jobs/x/cancel', { host, origin, ...bearer() })
    assert.equal(res.status, 403, origin)
    assert.equal(JSON.parse(res.body).code, 'EBAD_ORIGIN')
  }
  const crossSite = await raw('POST', '/api/jobs/x/cancel', {
    host,
    'sec-fetch-site': 'cross-site',
    ...bearer(),
  })
  assert.equal(JSON.parse(crossSite.body).code, 'EBAD_ORIGIN')
  // Same origin (or no Origin at all, as from the CLI) passes the check and reaches the route.
  const same = await raw('POST', '/api/jobs/x/cancel', { host, origin: `http://${host}`, ...bearer() })
  assert.equal(JSON.parse(same.body).code, 'ENOTFOUND')
  const cli = await raw('POST', '/api/jobs/x/cancel', { host, ...bearer() })
  assert.equal(JSON.parse(cli.body).code, 'ENOTFOUND')
})

test('responses carry security headers and a CSP', async () => {
  const res = await raw('GET', '/healthz', { host: `127.0.0.1:${port}` })
  assert.match(String(res.headers['content-security-policy']), /default-src 'self'/)
  assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  assert.equal(res.headers['x-frame-options'], 'DENY')
})
