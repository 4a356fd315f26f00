import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let browser: Browser
before(async () => {
  gw = await spawnGateway()
  browser = await launchChromium()
})
after(async () => {
  await browser?.close()
  await gw?.stop()
})

test('the panel at /system shows the system facts that came from the native core', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(`${gw.url}/system#token=${gw.token}`)
  const wine = page.locator('[data-fact="Wine"]')
  await wine.waitFor({ timeout: 15_000 })
  const wineVersion = execFileSync('wine', ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim()
  assert.equal(await wine.textContent(), wineVersion)
  assert.equal(await page.locator('[data-fact="Overlay file system"]').textContent(), 'yes')
  assert.equal(new URL(page.url()).hash, '', 'the token is scrubbed from the address bar')
  mkdirSync(artifactsDir, { recursive: true })
  await page.screenshot({ path: join(artifactsDir, 'system-info.png'), fullPage: true })
})

test('the panel without a token asks for one instead of failing', async () => {
  const page = await browser.newPage()
  await page.goto(gw.url)
  await page.getByLabel('Token').waitFor({ timeout: 15_000 })
  await page.getByLabel('Token').fill('not-the-token-at-all')
  await page.getByRole('button', { name: 'Sign in' }).click()
  // A wrong token is refused by the gateway and the form comes back.
  await page.getByLabel('Token').waitFor({ timeout: 15_000 })
})
