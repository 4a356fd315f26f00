import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let browser: Browser
before(async () => {
  gw = await spawnGateway()
  browser = await launchChromium()
  mkdirSync(artifactsDir, { recursive: true })
})
after(async () => {
  await browser?.close()
  await gw?.stop()
})

/** A page signed in with the gateway's token that records CSP violations and page errors. */
async function openPanel(viewport: { width: number; height: number }, path = '/') {
  const page = await browser.newPage({ viewport })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  await page.goto(`${gw.url}${path}#token=${gw.token}`)
  return { page, problems }
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json', ...init.headers },
  })

const card = (page: Page, name: string) => page.locator(`article[data-container="${name}"]`)

test('the dashboard: create a container through the UI; one made through the API appears live', async () => {
  const { page, problems } = await openPanel({ width: 1280, height: 800 })
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 15_000 })
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 })

  await page.getByRole('button', { name: 'New container' }).click()
  const dialog = page.getByRole('dialog', { name: 'New container' })
  await dialog.getByLabel('Name', { exact: true }).fill('ui-made')
  await dialog.getByLabel('Runtime').selectOption('native')
  await dialog.getByLabel('Network').selectOption('host')
  await dialog.getByLabel(/Environment/).fill('MODE=demo\nLEVEL=3')
  await dialog.getByRole('button', { name: 'Create' }).click()
  const made = card(page, 'ui-made')
  await made.waitFor({ timeout: 15_000 })
  await made.locator('[data-state="created"]').waitFor({ timeout: 15_000 })
  assert.match((await made.textContent()) ?? '', /host network/)
  const listed = (await (await api('/api/containers?name=ui-made')).json()) as {
    items: Array<{ env: Record<string, string>; network: string; runtime: { kind: string } }>
  }
  assert.deepEqual(listed.items[0]?.env, { MODE: 'demo', LEVEL: '3' })
  assert.equal(listed.items[0]?.network, 'host')
  assert.equal(listed.items[0]?.runtime.kind, 'native')

  // Another client creates one: the card appears without a reload, through the event stream.
  const res = await api('/api/containers', {
    method: 'POST',
    body: JSON.stringify({ name: 'api-made', runtime: 'native' }),
  })
  assert.equal(res.status, 201)
  const created = (await res.json()) as { id: string }
  await card(page, 'api-made').waitFor({ timeout: 10_000 })
  // ... and one it deletes goes away.
  assert.equal((await api(`/api/containers/${created.id}`, { method: 'DELETE', headers: {} })).status, 204)
  await card(page, 'api-made').waitFor({ state: 'detached', timeout: 10_000 })

  // A refused creation rolls its card back and says why.
  await page.getByRole('button', { name: 'New container' }).click()
  await dialog.getByLabel('Name', { exact: true }).fill('ui-made')
  await dialog.getByLabel('Runtime').selectOption('native')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await page.getByRole('alert').filter({ hasText: 'Could not create ui-made' }).waitFor({ timeout: 10_000 })
  assert.equal(await card(page, 'ui-made').count(), 1)

  // Search filters the cards.
  await api('/api/containers', { method: 'POST', body: JSON.stringify({ name: 'other', runtime: 'native' }) })
  await card(page, 'other').waitFor({ timeout: 10_000 })
  await page.getByLabel('Search').fill('ui-')
  await card(page, 'other').waitFor({ state: 'detached' })
  await page.getByLabel('Search').fill('')
  await card(page, 'other').waitFor()

  await page.screenshot({ path: join(artifactsDir, 'dashboard-1280.png'), fullPage: true })
  await page.getByRole('button', { name: 'New container' }).click()
  await page.screenshot({ path: join(artifactsDir, 'dashboard-new-container.png') })
  await page.keyboard.press('Escape')
  assert.deepEqual(problems, [])
  await page.close()
})

test('the dashboard at phone width, a deep link, and keyboard navigation', async () => {
  const { page, problems } = await openPanel({ width: 390, height: 844 }, '/no/such/page')
  // The gateway answers a deep link with the panel, which says the page does not exist.
  await page.getByRole('heading', { name: 'Not found' }).waitFor({ timeout: 15_000 })
  await page.getByRole('link', { name: 'Back to the dashboard' }).click()
  await page.getByRole('heading', { name: 'Containers' }).waitFor()
  // The navigation folds behind a Menu button on a phone.
  const nav = page.getByRole('navigation', { name: 'Main' })
  assert.equal(await nav.isVisible(), false)
  await page.getByRole('button', { name: 'Menu' }).click()
  await nav.getByRole('link', { name: 'System' }).waitFor()
  await page.screenshot({ path: join(artifactsDir, 'dashboard-390-menu.png'), fullPage: true })
  await nav.getByRole('link', { name: 'System' }).click()
  await page.locator('[data-fact="Wine"]').waitFor({ timeout: 15_000 })
  assert.equal(new URL(page.url()).pathname, '/system')
  await page.goBack()
  await page.getByRole('heading', { name: 'Containers' }).waitFor()
  await page.screenshot({ path: join(artifactsDir, 'dashboard-390.png'), fullPage: true })

  // After a navigation the focus is on the page's content (screen readers start there) ...
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'content')
  // ... and from the top, the skip link comes first.
  await page.reload()
  await page.getByRole('heading', { name: 'Containers' }).waitFor()
  await page.keyboard.press('Tab')
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content')
  assert.deepEqual(problems, [])
  await page.close()
})
