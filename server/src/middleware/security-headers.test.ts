import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { createApp } from '../app.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'
import { requestLog } from './request-log.ts'
import { securityHeaderList, securityHeaders } from './security-headers.ts'

let t: TestApp
let server: ReturnType<typeof serve>
let port: number
let spaDir: string
before(async () => {
  t = await makeTestApp()
  spaDir = mkdtempSync(join(tmpdir(), 'orbit-spa-'))
  writeFileSync(join(spaDir, 'index.html'), '<!doctype html><title>orbit</title>')
  writeFileSync(join(spaDir, 'app.js'), 'console.log(1)')
  const app = createApp({ ...t.deps, staticDir: spaDir })
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((r) => server.once('listening', r))
  port = (server.address() as AddressInfo).port
})
after(async () => {
  if ('closeAllConnections' in server) server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await t.cleanup()
  rmSync(spaDir, { recursive: true, force: true })
})

type Head = Record<string, string | string[] | undefined>

/** Status and headers of a real HTTP exchange through @hono/node-server (the body is dropped). */
function head(method: string, path: string, headers: Record<string, string> = {}): Promise<[number, Head]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      resolve([res.statusCode ?? 0, res.headers])
      res.destroy()
    })
    req.on('error', reject)
    req.end(method === 'PATCH' ? '{' : undefined)
  })
}

function assertSecured(what: string, h: Head): void {
  for (const [k, v] of securityHeaderList) assert.equal(h[k], v, `${what}: ${k}`)
  assert.match(String(h['x-request-id']), /^[\w-]{8,64}$/, `${what}: x-request-id`)
}

test('the header list is what hono/secure-headers sends with the options it replaced', async () => {
  const reference = new Hono()
    .use(
      secureHeaders({
        contentSecurityPolicy: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
        referrerPolicy: 'no-referrer',
        xFrameOptions: 'DENY',
        crossOriginResourcePolicy: 'same-origin',
        crossOriginOpenerPolicy: 'same-origin',
      }),
    )
    .get('/', (c) => c.body(null, 204))
  const res = await reference.request('/')
  assert.deepEqual([...securityHeaderList].sort(), [...res.headers].sort())
})

test('every kind of gateway response carries the security headers and x-request-id', async () => {
  const cases: [string, string, string, Record<string, string>, number][] = [
    ['c.json', 'GET', '/healthz', {}, 200],
    ['c.json with auth', 'GET', '/api/containers', bearer(), 200],
    ['unauthenticated problem', 'GET', '/api/containers', {}, 401],
    ['thrown error via onError', 'GET', '/api/nope', bearer(), 404],
    [
      'validation problem',
      'PATCH',
      '/api/containers/x',
      { ...bearer(), 'content-type': 'application/json' },
      400,
    ],
    ['SPA index', 'GET', '/some/client/route', {}, 200],
    ['SPA asset', 'GET', '/app.js', {}, 200],
    ['SSE stream', 'GET', '/api/events', bearer(), 200],
  ]
  for (const [what, method, path, headers, status] of cases) {
    const [got, h] = await head(method, path, headers)
    assert.equal(got, status, what)
    assertSecured(what, h)
  }
})

test('a well-formed incoming x-request-id is echoed, a malformed one replaced', async () => {
  const [, kept] = await head('GET', '/healthz', { 'x-request-id': 'abcdef12-3456' })
  assert.equal(kept['x-request-id'], 'abcdef12-3456')
  const [, replaced] = await head('GET', '/healthz', { 'x-request-id': 'bad id!' })
  assert.notEqual(replaced['x-request-id'], 'bad id!')
  assert.match(String(replaced['x-request-id']), /^[\w-]{8,64}$/)
})

test('responses built outside the context (raw, immutable, streamed) get the headers too', async () => {
  const app = new Hono()
  app.use('*', requestLog(t.deps.log))
  app.use('*', securityHeaders())
  app.get('/raw', () => new Response('raw', { headers: { 'x-own': 'kept' } }))
  app.get('/redirect', () => Response.redirect('http://127.0.0.1/elsewhere', 302))
  app.get('/stream', () => new Response(new Blob(['a', 'b']).stream()))
  app.get('/err', () => {
    throw new Error('boom')
  })
  app.onError((_err, c) => c.json({ failed: true }, 500))
  const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((r) => s.once('listening', r))
  const p = (s.address() as AddressInfo).port
  try {
    for (const [path, status] of [
      ['/raw', 200],
      ['/redirect', 302],
      ['/stream', 200],
      ['/err', 500],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${p}${path}`, { redirect: 'manual' })
      assert.equal(res.status, status, path)
      await res.arrayBuffer()
      const h = Object.fromEntries(res.headers)
      assertSecured(path, h)
      if (path === '/raw') assert.equal(h['x-own'], 'kept')
    }
    // Through app.request too (no node-server: the platform's own Response class).
    for (const path of ['/raw', '/redirect']) {
      assertSecured(`${path} (fetch)`, Object.fromEntries((await app.request(path)).headers))
    }
  } finally {
    await new Promise((r) => s.close(r))
  }
})
