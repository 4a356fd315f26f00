// The CLI's side of authentication against a real gateway: tokens made, listed and revoked with
// `orbit token`, saved with `orbit login` (owner-only, per gateway), and the audit log read back.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { runCli } from '../support/cli.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let config: string
before(async () => {
  gw = await spawnGateway()
  config = mkdtempSync(join(tmpdir(), 'orbit-cli-config-'))
})
after(async () => {
  await gw.stop()
  rmSync(config, { recursive: true, force: true })
})

const admin = () => ({ ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token, XDG_CONFIG_HOME: config })
const user = () => ({ ORBIT_URL: gw.url, XDG_CONFIG_HOME: config })
let made: { id: string; token: string }

test('orbit token create prints the token alone on stdout, once', async () => {
  const res = await runCli(
    ['token', 'create', '--scope', 'system:read', '--scope', 'account', '--expires', '1d', '--name', 'ci'],
    admin(),
  )
  assert.equal(res.code, 0, res.stderr)
  const token = res.stdout.trim()
  assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/)
  assert.match(res.stderr, /token "ci" \(([\w-]+)\): system:read account; expires/)
  made = { id: /\(([\w-]+)\)/.exec(res.stderr)?.[1] as string, token }
  const bad = await runCli(['token', 'create', '--name', 'x'], admin())
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /--scope/)
})

test('orbit login takes the token from stdin, checks it, and saves it owner-only for this gateway', async () => {
  const wrong = await runCli(['login'], user(), 'not-a-token-at-all\n')
  assert.equal(wrong.code, 1)
  const res = await runCli(['login'], user(), `${made.token}\n`)
  assert.equal(res.code, 0, res.stderr)
  assert.match(res.stdout, new RegExp(`signed in to ${gw.url} as token:${made.id} \\(account system:read\\)`))
  const file = join(config, 'orbit', 'credentials.json')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  assert.equal(statSync(join(config, 'orbit')).mode & 0o777, 0o700)
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { token: string }>
  assert.equal(saved[gw.url]?.token, made.token)
  // Without ORBIT_TOKEN the CLI now uses it.
  const info = await runCli(['info', '--json'], user())
  assert.equal(info.code, 0, info.stderr)
})

test('orbit token ls shows the tokens without their secrets', async () => {
  const res = await runCli(['token', 'ls', '--json'], user())
  assert.equal(res.code, 0, res.stderr)
  const items = JSON.parse(res.stdout) as Array<{ id: string; name: string; lastUsedAt: string | null }>
  const row = items.find((i) => i.id === made.id)
  assert.equal(row?.name, 'ci')
  assert.ok(row?.lastUsedAt, 'its use was recorded')
  assert.ok(!res.stdout.includes(made.token.split('.')[2] as string))
  const human = await runCli(['token', 'ls'], user())
  assert.match(human.stdout, /^ID\s+NAME\s+STATE\s+EXPIRES\s+LAST USED\s+SCOPES/)
  assert.match(human.stdout, /ci\s+active/)
})

test('orbit token revoke ends the token at once', async () => {
  const res = await runCli(['token', 'revoke', made.id], admin())
  assert.equal(res.code, 0, res.stderr)
  const info = await runCli(['info'], user())
  assert.equal(info.code, 1)
  assert.match(info.stderr, /orbit login/)
})

test('orbit audit lists and filters the log, and verifies its chain', async () => {
  const res = await runCli(['audit', '--json', '--action', 'token.create'], admin())
  assert.equal(res.code, 0, res.stderr)
  const entries = JSON.parse(res.stdout) as Array<{
    action: string
    actor: string
    target: string
    ip: string
  }>
  assert.ok(entries.length >= 1)
  assert.ok(entries.every((e) => e.action === 'token.create'))
  assert.equal(entries.at(-1)?.target, `token:${made.id}`)
  assert.equal(entries.at(-1)?.actor, 'admin-token')
  const human = await runCli(['audit', '--target', `token:${made.id}`], admin())
  assert.match(human.stdout, /admin-token {2}token\.revoke {2}token:[\w-]+ {2}ok {2}from 127\.0\.0\.1/)
  const verify = await runCli(['audit', '--verify'], admin())
  assert.equal(verify.code, 0, verify.stderr)
  assert.match(verify.stdout, /the audit chain verifies \(\d+ entries\)/)
})

test('orbit logout forgets the saved token', async () => {
  const res = await runCli(['logout'], user())
  assert.equal(res.code, 0, res.stderr)
  const saved = JSON.parse(readFileSync(join(config, 'orbit', 'credentials.json'), 'utf8'))
  assert.deepEqual(saved, {})
})
