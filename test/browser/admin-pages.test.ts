// The admin pages against a real gateway in Debian's Chromium: the first admin signs in with a
// passkey (CDP virtual authenticator), makes an API token with a scope in the UI, uses it, revokes
// it in the UI and sees it refused; then jobs, events, audit, users, passkeys and system, each
// screenshotted at 1280x800 (and a few at phone width).
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let browser: Browser
let context: BrowserContext
let page: Page
let cdp: CDPSession
let authenticatorId = ''
const problems: string[] = []
before(async () => {
  // No bootstrap admin token: the passkey is the only way in.
  gw = await spawnGateway({ env: { ORBIT_ADMIN_TOKEN: '' } })
  browser = await launchChromium()
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text())
  })
  cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  authenticatorId = await addAuthenticator()
  mkdirSync(artifactsDir, { recursive: true })
})
after(async () => {
  await browser?.close()
  await gw?.stop()
})

const addAuthenticator = async () =>
  (
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    })
  ).authenticatorId

const panel = () => gw.panelUrl.replace(/\/$/, '')
const shot = (name: string) =>
  page.screenshot({ path: join(artifactsDir, `admin-${name}.png`), fullPage: true })
/** Goes to a page through the navigation (as a person would) and waits for its heading. */
async function open(nav: string, heading: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: nav, exact: true }).click()
  await page.getByRole('heading', { name: heading, level: 1 }).waitFor({ timeout: 15_000 })
}
const bearer = (token: string, path: string, init: RequestInit = {}) =>
  fetch(`${panel()}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  })

let secret = ''
let containerId = ''

test('the first admin signs in with a passkey', async () => {
  assert.ok(gw.setupUrl, 'the gateway printed a setup link')
  await page.goto(gw.setupUrl as string)
  await page.getByLabel('Your name').fill('ada')
  await page.getByRole('button', { name: 'Create a passkey' }).click()
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 20_000 })
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 })
})

test('a token made in the UI with chosen scopes is shown once, listed, and works', async () => {
  await open('Tokens', 'API tokens')
  await page.getByRole('button', { name: 'New token' }).click()
  const dialog = page.getByRole('dialog', { name: 'New API token' })
  await dialog.getByLabel('Name').fill('ci')
  await dialog.getByRole('checkbox', { name: /^containers:read/ }).check()
  await dialog.getByRole('checkbox', { name: /^containers:write/ }).check()
  await dialog.getByLabel('Expires after').selectOption('7d')
  await shot('token-create')
  await dialog.getByRole('button', { name: 'Create token' }).click()
  const shown = page.getByRole('dialog', { name: 'Token ci created' })
  await shown.waitFor({ timeout: 15_000 })
  secret = await shown.getByLabel('Your new token').inputValue()
  assert.ok(secret.length > 40, 'a token came back')
  assert.match((await shown.textContent()) ?? '', /shown only this once/)
  await shot('token-secret')
  await shown.getByRole('button', { name: 'I have copied it' }).click()
  await shown.waitFor({ state: 'detached' })
  assert.equal(await page.locator('[data-secret]').count(), 0, 'the secret is gone from the page')
  const row = page.locator('tr[data-token="ci"]')
  await row.waitFor()
  assert.match((await row.textContent()) ?? '', /containers:read.*containers:write.*active/)

  // The token works from outside the browser, with exactly its scopes.
  const list = await bearer(secret, '/api/containers')
  assert.equal(list.status, 200)
  const made = await bearer(secret, '/api/containers', {
    method: 'POST',
    body: JSON.stringify({ name: 'demo', runtime: 'native' }),
  })
  assert.equal(made.status, 201, await made.clone().text())
  containerId = ((await made.json()) as { id: string }).id
  assert.equal((await bearer(secret, '/api/users')).status, 403, 'no admin scope: refused')
  await shot('tokens')
})

test('the events page shows what the token does, live; a type filter and pause work', async () => {
  await open('Events', 'Events')
  const snap = await bearer(secret, `/api/containers/${containerId}/snapshots`, {
    method: 'POST',
    body: JSON.stringify({ label: 'browser' }),
  })
  assert.equal(snap.status, 202, await snap.clone().text())
  const timeline = page.getByRole('list', { name: 'Event timeline' })
  await timeline.getByText('job.succeeded').first().waitFor({ timeout: 20_000 })
  await shot('events')
  await page.getByLabel('Type prefix').fill('container.')
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.timeline .type')].every((t) => t.textContent?.startsWith('container.')),
  )
  await page.getByLabel('Type prefix').fill('')
  await page.getByRole('button', { name: 'Pause' }).click()
  await bearer(secret, `/api/containers/${containerId}`, {
    method: 'PATCH',
    body: JSON.stringify({ labels: { from: 'browser-test' } }),
  })
  await page.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor({ timeout: 15_000 })
  await page.getByRole('button', { name: /Resume/ }).click()
  await timeline.getByText('container.updated').first().waitFor({ timeout: 5_000 })
})

test('the jobs page lists the snapshot job with its container link', async () => {
  await open('Jobs', 'Jobs')
  const row = page.locator('tr[data-job]').filter({ hasText: 'container.snapshot' }).first()
  await row.waitFor({ timeout: 15_000 })
  assert.match((await row.textContent()) ?? '', /succeeded/)
  assert.equal(
    await row.getByRole('link', { name: 'demo' }).getAttribute('href'),
    `/containers/${containerId}`,
  )
  await page.getByLabel('State').selectOption('failed')
  await row.waitFor({ state: 'detached', timeout: 10_000 })
  await page.getByLabel('State').selectOption('')
  await row.waitFor({ timeout: 10_000 })
  assert.equal(new URL(page.url()).search, '', 'the filters are kept in the address')
  await shot('jobs')
  // A deep link with a container filter (what a container page can link to); the page loads once.
  let fetches = 0
  const count = (r: { url(): string }) => {
    if (new URL(r.url()).pathname === '/api/jobs') fetches++
  }
  page.on('request', count)
  await page.goto(`${panel()}/jobs?containerId=${containerId}&state=succeeded`)
  await row.waitFor({ timeout: 15_000 })
  await page.getByRole('button', { name: "Show every container's jobs" }).waitFor()
  await page.waitForTimeout(1000)
  page.off('request', count)
  assert.equal(fetches, 1, 'one fetch: the filters in the address do not reload the page in a loop')
  assert.equal(await page.getByLabel('State').inputValue(), 'succeeded')
})

test('revoking the token in the UI stops it at once', async () => {
  await open('Tokens', 'API tokens')
  await page.getByRole('button', { name: 'Revoke ci' }).click()
  const confirm = page.getByRole('dialog', { name: 'Revoke ci?' })
  await confirm.getByRole('button', { name: 'Revoke' }).click()
  await page.locator('tr[data-token="ci"]').getByText('revoked').waitFor({ timeout: 10_000 })
  assert.equal((await bearer(secret, '/api/containers')).status, 401)
  await page.reload()
  await page.locator('tr[data-token="ci"]').getByText('revoked').waitFor({ timeout: 15_000 })
})

test('the audit page shows the trail, filters it, and verifies the chain', async () => {
  await open('Audit', 'Audit log')
  await page
    .getByTestId('audit-verify')
    .filter({ hasText: /Chain verified/ })
    .waitFor({ timeout: 15_000 })
  const table = page.getByRole('table', { name: 'Audit entries' })
  await table.getByText('token.revoke').first().waitFor({ timeout: 15_000 })
  await shot('audit')
  const filters = page.getByRole('form', { name: 'Filter the audit log' })
  await filters.getByLabel('Action').fill('token.create')
  await filters.getByRole('button', { name: 'Apply' }).click()
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('tr[data-entry]')]
    return rows.length > 0 && rows.every((r) => r.textContent?.includes('token.create'))
  })
  await filters.getByLabel('Action').fill('')
  await filters.getByLabel('Result').fill('EFORBIDDEN')
  await filters.getByRole('button', { name: 'Apply' }).click()
  // The token's refused GET /api/users is not a mutation, so only denied writes would show here.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('tr[data-entry]')].every((r) => r.textContent?.includes('EFORBIDDEN')),
  )
})

test('the users page lists the admin and makes a one-time invitation link', async () => {
  await open('Users', 'Users')
  const me = page.locator('tr[data-user="ada"]')
  await me.waitFor({ timeout: 15_000 })
  assert.equal(await me.getByLabel('Role of ada').inputValue(), 'admin')
  await page.getByRole('button', { name: 'Invite a user' }).click()
  const dialog = page.getByRole('dialog', { name: 'Invite a user' })
  await dialog.getByLabel('Name').fill('bob')
  await dialog.getByLabel('Role').selectOption('operator')
  await dialog.getByRole('button', { name: 'Create the link' }).click()
  const shown = page.getByRole('dialog', { name: 'Invitation for bob' })
  await shown.waitFor({ timeout: 15_000 })
  assert.match(await shown.locator('[data-secret]').inputValue(), /\/enroll#/)
  await shown.getByRole('button', { name: 'I have copied it' }).click()
  // The last admin cannot be demoted: the refusal's message shows and the role comes back.
  await me.getByLabel('Role of ada').selectOption('viewer')
  await page
    .getByRole('alert')
    .filter({ hasText: /Could not change the role of ada/ })
    .waitFor({ timeout: 10_000 })
  assert.equal(await me.getByLabel('Role of ada').inputValue(), 'admin')
  await shot('users')
})

test('the passkeys page: the last one is kept; add one on another device, rename, remove', async () => {
  await open('Passkeys', 'Passkeys')
  const rows = page.locator('tr[data-passkey]')
  await rows.first().waitFor({ timeout: 15_000 })
  assert.equal(await rows.count(), 1)
  assert.equal(await page.getByRole('button', { name: 'Remove This device' }).isDisabled(), true)
  await shot('passkeys')
  // A second device: the first authenticator would refuse (it holds an excluded credential).
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId })
  authenticatorId = await addAuthenticator()
  await page.getByLabel('Name for the new passkey').fill('Backup key')
  await page.getByRole('button', { name: 'Add a passkey' }).click()
  await page.locator('tr[data-passkey="Backup key"]').waitFor({ timeout: 20_000 })
  await page.getByRole('button', { name: 'Rename This device' }).click()
  const input = page.getByLabel('New name for This device')
  await input.fill('Old laptop')
  await input.press('Enter')
  await page.locator('tr[data-passkey="Old laptop"]').waitFor({ timeout: 10_000 })
  await page.getByRole('button', { name: 'Remove Old laptop' }).click()
  await page
    .getByRole('dialog', { name: 'Remove Old laptop?' })
    .getByRole('button', { name: 'Remove' })
    .click()
  await page.locator('tr[data-passkey="Old laptop"]').waitFor({ state: 'detached', timeout: 10_000 })
  await page.reload()
  await page.locator('tr[data-passkey="Backup key"]').waitFor({ timeout: 15_000 })
  assert.equal(await rows.count(), 1, 'the gateway agrees: only the new passkey is left')
})

test('the system page shows the machine and the effective configuration', async () => {
  await open('System', 'System')
  await page.locator('[data-fact="Wine"]').waitFor({ timeout: 15_000 })
  const config = page.getByRole('table', { name: 'Effective configuration' })
  await config.waitFor({ timeout: 15_000 })
  assert.ok((await config.locator('tr[data-setting]').count()) > 3)
  await shot('system')
})

test('phone width: the pages stack and stay usable', async () => {
  await page.setViewportSize({ width: 390, height: 844 })
  for (const [nav, heading, name] of [
    ['Tokens', 'API tokens', 'tokens-phone'],
    ['Audit', 'Audit log', 'audit-phone'],
    ['Jobs', 'Jobs', 'jobs-phone'],
  ] as const) {
    await page.getByRole('button', { name: 'Menu' }).click()
    await open(nav, heading)
    await page.waitForTimeout(300)
    await shot(name)
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`)
  assert.deepEqual(problems, [])
})
