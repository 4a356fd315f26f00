// Remote administration over real HTTPS: the gateway listens on every address with a certificate
// and a public origin; a client connecting through the machine's non-loopback address is a remote
// peer. Its session cookie is __Host- and Secure, and admin work needs a recent passkey from afar.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { createServer } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import { loadConfig } from '../../server/src/config.ts'
import { type Gateway, startGateway } from '../../server/src/gateway.ts'
import { silentLogger } from '../../server/src/log.ts'
import { SoftAuthenticator } from '../support/soft-authenticator.ts'

/** This machine's first non-loopback IPv4 address: connecting to it makes us a remote peer. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })

let dir: string
let gw: Gateway
let port: number
let ca: Buffer
const host = 'orbit.test'
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orbit-remote-'))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  ca = readFileSync(cert)
  port = await freePort()
  const config = loadConfig(
    {
      dataDir: join(dir, 'data'),
      host: '0.0.0.0',
      port,
      tlsCert: cert,
      tlsKey: key,
      publicOrigin: `https://${host}:${port}`,
      allowedHosts: [host],
      rpId: host,
      logLevel: 'silent',
    },
    {},
  )
  gw = await startGateway(config, { log: silentLogger() })
})
after(async () => {
  await gw?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTPS request to the gateway through `address`, naming it by its public host. */
function call(
  address: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        method,
        path,
        ca,
        servername: host,
        headers: {
          host: `${host}:${port}`,
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', origin: `https://${host}:${port}` }),
          ...headers,
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => {
          text += d.toString()
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
      },
    )
    req.once('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

test('the gateway serves https beyond loopback and prints the setup link on its public origin', () => {
  assert.ok(gw.url.startsWith('https://0.0.0.0:'))
  assert.ok(gw.setupLink)
  assert.match(gw.setupLink.url, new RegExp(`^https://${host}:${port}/setup#[\\w-]{43}$`))
})

test('a remote first admin enrolls over https; the cookie is __Host-, Secure, HttpOnly, SameSite=Strict; admin work needs a fresh passkey from afar', {
  skip: lanAddress ? false : 'no non-loopback address on this machine',
}, async () => {
  const remote = lanAddress as string
  const authn = new SoftAuthenticator(`https://${host}:${port}`, host)
  const token = gw.setupLink?.url.split('#')[1] as string
  const start = await call(remote, 'POST', '/api/auth/enroll/options', {}, { token, userName: 'ada' })
  assert.equal(start.status, 200, start.body)
  const { ceremonyId, options } = JSON.parse(start.body) as {
    ceremonyId: string
    options: Record<string, unknown>
  }
  assert.equal((options.rp as { id: string }).id, host)
  const done = await call(
    remote,
    'POST',
    '/api/auth/enroll/verify',
    {},
    {
      ceremonyId,
      credential: authn.register(options),
    },
  )
  assert.equal(done.status, 201, done.body)
  const setCookie = String(done.headers['set-cookie'])
  assert.match(setCookie, /^__Host-orbit_session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/)
  const cookie = setCookie.split(';')[0] as string
  const users = await call(remote, 'GET', '/api/users', { cookie })
  assert.equal(users.status, 200, users.body)
  // Age the session's last passkey use by six minutes, behind the gateway's back.
  const db = new Database(join(dir, 'data', 'orbit.db'))
  db.prepare('UPDATE sessions SET step_up_at = step_up_at - 360000').run()
  db.close()
  const stale = await call(remote, 'GET', '/api/users', { cookie })
  assert.equal(stale.status, 403)
  assert.equal((JSON.parse(stale.body) as { code: string }).code, 'ESTEP_UP')
  // The same session from loopback is local work.
  assert.equal((await call('127.0.0.1', 'GET', '/api/users', { cookie })).status, 200)
  // A passkey confirmation from afar re-opens admin work.
  const { csrfToken } = JSON.parse(done.body) as { csrfToken: string }
  const step = await call(
    remote,
    'POST',
    '/api/auth/step-up/options',
    { cookie, 'x-csrf-token': csrfToken },
    {},
  )
  assert.equal(step.status, 200, step.body)
  const s = JSON.parse(step.body) as { ceremonyId: string; options: Record<string, unknown> }
  const ok = await call(
    remote,
    'POST',
    '/api/auth/step-up/verify',
    { cookie, 'x-csrf-token': csrfToken },
    {
      ceremonyId: s.ceremonyId,
      credential: authn.assert(s.options),
    },
  )
  assert.equal(ok.status, 200, ok.body)
  assert.equal((await call(remote, 'GET', '/api/users', { cookie })).status, 200)
  const audit = await call(remote, 'GET', '/api/audit?action=auth.step-up', { cookie })
  const entries = (JSON.parse(audit.body) as { items: Array<{ ip: string; actor: string }> }).items
  assert.equal(entries[0]?.ip, remote)
  assert.equal(entries[0]?.actor, 'user:ada')
})

test('plain http to the https port is not served', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.status,
    () => 'refused',
  )
  assert.notEqual(res, 200)
})
