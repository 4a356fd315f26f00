import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { loadConfig } from './config.ts'
import { listenPlan } from './listen-plan.ts'

let dir: string
let cert: string
let key: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'orbit-tls-'))
  cert = join(dir, 'cert.pem')
  key = join(dir, 'key.pem')
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
      '/CN=orbit.example.com',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
})
after(() => rmSync(dir, { recursive: true, force: true }))

const config = (o: Parameters<typeof loadConfig>[0]) => loadConfig({ dataDir: dir, ...o }, {})
const remote = {
  host: '0.0.0.0',
  tlsCert: '',
  tlsKey: '',
  publicOrigin: 'https://orbit.example.com:7780',
  allowedHosts: ['orbit.example.com'],
  rpId: 'example.com',
}

test('loopback listens over http, or https when a certificate is set', () => {
  assert.equal(listenPlan(config({ host: '127.0.0.1' })).tls, undefined)
  assert.ok(listenPlan(config({ host: 'localhost', tlsCert: cert, tlsKey: key })).tls?.cert.length)
})

test('beyond loopback: TLS, a public https origin, its host allowed and the RP ID matching, or no start', () => {
  const refused = (o: Partial<typeof remote>, why: RegExp) =>
    assert.throws(() => listenPlan(config({ ...remote, tlsCert: cert, tlsKey: key, ...o })), why)
  refused(
    { tlsCert: '', tlsKey: '' },
    /^Error: refusing to start: listening on 0\.0\.0\.0 \(beyond loopback\) needs TLS/,
  )
  refused({ tlsKey: '' }, /set both server\.tls_cert and server\.tls_key/)
  refused({ publicOrigin: '' }, /needs server\.public_origin/)
  refused({ publicOrigin: 'http://orbit.example.com' }, /must be an https origin/)
  refused({ publicOrigin: 'https://orbit.example.com/panel' }, /without a path/)
  refused({ allowedHosts: [] }, /add "orbit\.example\.com" .* to server\.allowed_hosts/)
  refused({ rpId: 'localhost' }, /auth\.rp_id "localhost" must be "orbit\.example\.com" or a parent domain/)
  refused({ tlsCert: join(dir, 'missing.pem') }, /cannot read the TLS certificate/)
  assert.ok(listenPlan(config({ ...remote, tlsCert: cert, tlsKey: key })).tls)
  assert.ok(listenPlan(config({ ...remote, rpId: 'orbit.example.com', tlsCert: cert, tlsKey: key })).tls)
})
