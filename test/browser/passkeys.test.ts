// Passkeys end to end in Debian's Chromium with a CDP virtual authenticator (ctap2, resident keys,
// user verification): the first-run link registers the first admin, a sign-in works after the
// cookie is gone, a replayed assertion is refused, and an aged session ends.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let browser: Browser
let context: BrowserContext
let page: Page
let cdp: CDPSession
let authenticatorId: string
before(async () => {
  // No bootstrap admin token: a browser and its passkey are the only way in.
  gw = await spawnGateway({ env: { ORBIT_ADMIN_TOKEN: '' } })
  browser = await launchChromium()
  context = await browser.newContext()
  page = await context.newPage()
  cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  ;({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  }))
  mkdirSync(artifactsDir, { recursive: true })
})
after(async () => {
  await browser?.close()
  await gw?.stop()
})

const panel = () => gw.panelUrl.replace(/\/$/, '')

test('the gateway prints a one-time setup link on the passkey origin', () => {
  assert.match(panel(), /^http:\/\/localhost:\d+$/)
  assert.ok(gw.setupUrl)
  assert.match(gw.setupUrl, new RegExp(`^${panel()}/setup#[\\w-]{43}$`))
  assert.match(gw.output(), /Set up the first admin: \S+ {2}\(one use, 15 minutes\)/)
})

test('the first admin registers a passkey from the setup link and lands in the panel signed in', async () => {
  await page.goto(gw.setupUrl as string)
  await page.getByLabel('Your name').fill('ada')
  await page.getByRole('button', { name: 'Create a passkey' }).click()
  // Signed in: the panel's dashboard, with the user's menu.
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 20_000 })
  await page.getByRole('button', { name: 'ada' }).waitFor()
  assert.equal(new URL(page.url()).pathname, '/')
  // A change through the session: the panel sends the session's CSRF token, so it goes through.
  await page.getByRole('button', { name: 'New container' }).click()
  await page.getByRole('dialog').getByLabel('Name', { exact: true }).fill('ada-first')
  await page.getByRole('dialog').getByLabel('Runtime').selectOption('native')
  await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click()
  await page
    .locator('article[data-container="ada-first"] [data-state="created"]')
    .waitFor({ timeout: 15_000 })
  const { credentials } = (await cdp.send('WebAuthn.getCredentials', {
    authenticatorId,
  })) as { credentials: Array<{ isResidentCredential: boolean; rpId: string; signCount: number }> }
  assert.equal(credentials.length, 1)
  assert.equal(credentials[0]?.isResidentCredential, true)
  assert.equal(credentials[0]?.rpId, 'localhost')
  await page.screenshot({ path: join(artifactsDir, 'passkey-enrolled.png'), fullPage: true })
})

test('the session cookie is HttpOnly and SameSite=Strict, invisible to scripts', async () => {
  const cookies = await context.cookies(panel())
  const session = cookies.find((c) => c.name === 'orbit_session')
  assert.ok(session, JSON.stringify(cookies))
  assert.equal(session.httpOnly, true)
  assert.equal(session.sameSite, 'Strict')
  assert.equal(session.secure, false, 'plain http on localhost: a Secure cookie would be dropped')
  assert.equal(session.path, '/')
  assert.equal(session.expires, -1, 'a browser-session cookie; the gateway ends it')
  assert.equal(await page.evaluate(() => document.cookie.includes('orbit_session')), false)
  const me = await page.evaluate(async () => (await fetch('/api/auth/session')).json())
  assert.equal((me as { subject: string }).subject, 'user:ada')
})

let replayBody: string | undefined
test('with the cookie gone, the passkey signs in again', async () => {
  await context.clearCookies()
  await page.goto(`${panel()}/`)
  await page.getByLabel('Token').waitFor({ timeout: 15_000 })
  page.on('request', (r) => {
    if (r.url().endsWith('/api/auth/login/verify')) replayBody = r.postData() ?? undefined
  })
  await page.getByRole('link', { name: 'sign in with a passkey' }).click()
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
  // Signed in: the panel's dashboard, with the user's menu.
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 20_000 })
  await page.getByRole('button', { name: 'ada' }).waitFor()
  assert.ok(replayBody, 'the assertion was captured')
  const { credentials } = (await cdp.send('WebAuthn.getCredentials', {
    authenticatorId,
  })) as { credentials: Array<{ signCount: number }> }
  assert.ok((credentials[0]?.signCount ?? 0) >= 1, 'the authenticator counted the use')
})

test('a replayed assertion is refused, under its own ceremony or a fresh one', async () => {
  const post = (path: string, body: string) =>
    fetch(`${panel()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: panel() },
      body,
    })
  const replay = await post('/api/auth/login/verify', replayBody as string)
  assert.equal(replay.status, 400)
  assert.equal(((await replay.json()) as { code: string }).code, 'ECEREMONY')
  const fresh = (await (await post('/api/auth/login/options', '{}')).json()) as { ceremonyId: string }
  const captured = JSON.parse(replayBody as string) as { credential: unknown }
  const replay2 = await post(
    '/api/auth/login/verify',
    JSON.stringify({ ceremonyId: fresh.ceremonyId, credential: captured.credential }),
  )
  assert.equal(replay2.status, 400)
  assert.equal(replay2.headers.get('set-cookie'), null)
})

test('Chromium itself refuses the ceremony on an origin outside the RP ID', async () => {
  const other = await context.newPage()
  const ip = panel().replace('localhost', '127.0.0.1')
  await other.goto(`${ip}/login`)
  await other.getByRole('button', { name: 'Sign in with a passkey' }).click()
  const alert = other.getByRole('alert')
  await alert.waitFor({ timeout: 15_000 })
  assert.match(
    (await alert.textContent()) ?? '',
    /invalid domain|not a valid domain|relying party|RP ID|security/i,
  )
  await other.close()
})

test('a session idle past its limit ends: the panel asks to sign in again', async () => {
  assert.equal((await page.evaluate(async () => (await fetch('/api/auth/session')).status)) as number, 200)
  // Thirty-one idle minutes, without waiting for them: age the row behind the gateway's back.
  const db = new Database(join(gw.dataDir, 'orbit.db'))
  db.prepare('UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60000').run()
  db.close()
  // The open panel learns it on its next call and says so, instead of failing page by page.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click()
  await page.getByRole('heading', { name: 'Session expired — sign in again' }).waitFor({ timeout: 15_000 })
  await page.reload()
  await page.getByLabel('Token').waitFor({ timeout: 15_000 })
  assert.equal((await page.evaluate(async () => (await fetch('/api/auth/session')).status)) as number, 401)
})
