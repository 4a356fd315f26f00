// API tokens against the JWT pitfalls of RFC 8725: every forged, mistyped, expired or revoked token
// is a 401; a token without the scope a 403; a token never grants more than its maker holds.
import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { base64url, importJWK, SignJWT } from 'jose'
import { tokenAudience, tokenIssuer, tokenType } from '../auth/api-tokens.ts'
import { signingKeyFile } from '../auth/keys.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

const clock = { t: Date.parse('2030-01-01T00:00:00Z') }
let t: TestApp
before(async () => {
  t = await makeTestApp({ now: () => clock.t })
  // This file makes many bad tokens on purpose; the failure brake has its own test.
  t.deps.config.authFailuresPerMinute = 1000
})
after(async () => {
  await t.cleanup()
})

const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) })
async function create(body: unknown, headers: Record<string, string> = bearer()) {
  const { body: b, ...h } = json(body)
  return t.app.request('/api/tokens', { method: 'POST', headers: { ...headers, ...h }, body: b })
}
async function make(scopes: string[], expiresIn = '1d'): Promise<{ id: string; token: string }> {
  const res = await create({ name: `t-${scopes.join('+')}`, scopes, expiresIn })
  assert.equal(res.status, 201, await res.clone().text())
  return (await res.json()) as { id: string; token: string }
}
const status = async (token: string, path = '/api/system/info') =>
  (await t.app.request(path, { headers: bearer(token) })).status

const privateJwk = () => JSON.parse(readFileSync(signingKeyFile(t.dataDir), 'utf8')) as Record<string, string>
const claims = () => ({
  iss: tokenIssuer(t.deps.installationId),
  aud: tokenAudience,
  sub: 'admin-token',
  scope: 'system:read',
  iat: Math.floor(clock.t / 1000),
  exp: Math.floor(clock.t / 1000) + 3600,
})

test('the signing key is Ed25519, generated once, owner-only', () => {
  const jwk = privateJwk()
  assert.equal(jwk.kty, 'OKP')
  assert.equal(jwk.crv, 'Ed25519')
  assert.equal(statSync(signingKeyFile(t.dataDir)).mode & 0o777, 0o600)
})

test('a token works with its scope, is 403 without one, and is shown only once', async () => {
  const { id, token } = await make(['system:read'])
  assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
  const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())
  assert.deepEqual([header.alg, header.typ], ['EdDSA', tokenType])
  assert.equal(await status(token), 200)
  const forbidden = await t.app.request('/api/jobs', { headers: bearer(token) })
  assert.equal(forbidden.status, 403)
  assert.equal(((await forbidden.json()) as { code: string }).code, 'EFORBIDDEN')
  const list = (await (await t.app.request('/api/tokens', { headers: bearer() })).json()) as {
    items: Array<Record<string, unknown>>
  }
  const row = list.items.find((i) => i.id === id)
  assert.ok(row)
  assert.equal(row.token, undefined)
  assert.ok(!JSON.stringify(list).includes(token.split('.')[2] as string))
  // Neither the token nor its jti is stored.
  const { jti } = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as {
    jti: string
  }
  const dump = JSON.stringify(t.deps.db.$client.prepare('SELECT * FROM api_tokens').all())
  assert.ok(!dump.includes(jti) && !dump.includes(token))
})

test('alg none is 401', async () => {
  const head = base64url.encode(JSON.stringify({ alg: 'none', typ: tokenType }))
  const body = base64url.encode(JSON.stringify({ ...claims(), jti: 'x' }))
  assert.equal(await status(`${head}.${body}.`), 401)
})

test('HS256 signed with the public key is 401', async () => {
  const { x, crv, kty } = privateJwk()
  const { token } = await make(['system:read'])
  const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string
  // Every form an attacker might feed as the HMAC secret: the raw key, its JWK, its base64url.
  const secrets = [
    Buffer.from(x as string, 'base64url'),
    Buffer.from(JSON.stringify({ crv, kty, x })),
    Buffer.from(x as string),
  ]
  for (const secret of secrets) {
    const forged = await new SignJWT({ ...claims(), jti })
      .setProtectedHeader({ alg: 'HS256', typ: tokenType })
      .sign(new Uint8Array(secret))
    assert.equal(await status(forged), 401)
  }
})

test('a token signed by another key is 401', async () => {
  const { generateKeyPair } = await import('jose')
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  const forged = await new SignJWT({ ...claims(), jti: 'whatever' })
    .setProtectedHeader({ alg: 'EdDSA', typ: tokenType })
    .sign(privateKey)
  assert.equal(await status(forged), 401)
})

test('wrong audience, issuer or type is 401, even when signed with the real key', async () => {
  const key = await importJWK(privateJwk(), 'EdDSA')
  const { token } = await make(['system:read'])
  const jti = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).jti as string
  const sign = (c: Record<string, unknown>, typ: string | null = tokenType) =>
    new SignJWT({ ...claims(), jti, ...c })
      .setProtectedHeader({ alg: 'EdDSA', ...(typ ? { typ } : {}) })
      .sign(key)
  assert.equal(await status(await sign({})), 200, 'the control token is accepted')
  assert.equal(await status(await sign({ aud: 'urn:someone:else' })), 401)
  assert.equal(await status(await sign({ iss: 'urn:orbit:another-installation' })), 401)
  assert.equal(await status(await sign({}, 'JWT')), 401)
  assert.equal(await status(await sign({}, 'at+jwt')), 401)
  assert.equal(await status(await sign({}, null)), 401)
})

test('an expired token is 401', async () => {
  const { token } = await make(['system:read'], '90m')
  assert.equal(await status(token), 200)
  clock.t += 90 * 60_000 + 1000
  assert.equal(await status(token), 401)
})

test('a revoked token is 401 at once', async () => {
  const { id, token } = await make(['system:read'])
  assert.equal(await status(token), 200)
  const del = await t.app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: bearer() })
  assert.equal(del.status, 204)
  assert.equal(await status(token), 401)
  const actions = t.deps.audit.list({ target: `token:${id}` }, 10).items.map((e) => e.action)
  assert.deepEqual(actions, ['token.revoke', 'token.create'])
})

test('a token grants only scopes its maker holds, and can mint only narrower tokens', async () => {
  const { token } = await make(['account', 'system:read'])
  const wider = await create({ name: 'w', scopes: ['system:read', 'containers:write'] }, bearer(token))
  assert.equal(wider.status, 403)
  const narrower = await create({ name: 'n', scopes: ['system:read'] }, bearer(token))
  assert.equal(narrower.status, 201)
  // Without the account scope a token cannot make tokens at all.
  const { token: plain } = await make(['system:read'])
  assert.equal((await create({ name: 'p', scopes: ['system:read'] }, bearer(plain))).status, 403)
})

test('expiry is required to be sane: at most 365 days, and a duration', async () => {
  assert.equal((await create({ name: 'long', scopes: ['system:read'], expiresIn: '366d' })).status, 400)
  assert.equal((await create({ name: 'bad', scopes: ['system:read'], expiresIn: 'forever' })).status, 400)
  assert.equal((await create({ name: 'none', scopes: [] })).status, 400)
  assert.equal((await create({ name: 'typo', scopes: ['root'] })).status, 400)
})

test('last_used_at is written at most once a minute', async () => {
  const { id, token } = await make(['system:read'])
  const used = () =>
    (
      t.deps.db.$client.prepare('SELECT last_used_at AS u FROM api_tokens WHERE id = ?').get(id) as {
        u: number
      }
    ).u
  await status(token)
  const first = used()
  assert.equal(first, clock.t)
  clock.t += 30_000
  await status(token)
  assert.equal(used(), first)
  clock.t += 31_000
  await status(token)
  assert.equal(used(), clock.t)
})

test("someone else's token is not found for a non-admin, and revocable by an admin", async () => {
  const { id } = await make(['system:read'])
  const { token: other } = await make(['account'])
  // Both tokens were made by the admin token (no user), so `other` owns it: prove with a user-bound one.
  const user = t.deps.auth.users.create('dora', 'viewer')
  const issued = await t.deps.auth.tokens.issue({
    name: 'dora',
    scopes: ['account'],
    ttlMs: 3_600_000,
    userId: user.id,
    subject: user.id,
    createdBy: 'user:dora',
  })
  const res = await t.app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: bearer(issued.token) })
  assert.equal(res.status, 404)
  const all = await t.app.request('/api/tokens?all=true', { headers: bearer(issued.token) })
  assert.equal(all.status, 403)
  assert.equal(
    (await t.app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: bearer(other) })).status,
    204,
  )
})

test("a disabled user's tokens stop at once; a demoted user's tokens lose the scopes", async () => {
  const user = t.deps.auth.users.create('erin', 'operator')
  const { token } = await t.deps.auth.tokens.issue({
    name: 'erin',
    scopes: ['system:read', 'containers:write'],
    ttlMs: 3_600_000,
    userId: user.id,
    subject: user.id,
    createdBy: 'user:erin',
  })
  const write = (await t.deps.auth.tokens.verify(token))?.scopes
  assert.ok(write !== 'all' && write?.has('containers:write'))
  t.deps.auth.users.update(user.id, { role: 'viewer' })
  const narrowed = (await t.deps.auth.tokens.verify(token))?.scopes
  assert.ok(narrowed !== 'all' && narrowed?.has('system:read') && !narrowed.has('containers:write'))
  const res = await t.app.request(`/api/users/${user.id}`, {
    method: 'PATCH',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ disabled: true }),
  })
  assert.equal(res.status, 200)
  assert.equal(await status(token), 401)
})
