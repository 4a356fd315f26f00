// The install wizard and the .ctnr import of the panel, in Chromium against a real gateway with
// real Wine: a Wine container made through the UI (its base runtime first, so the card waits on a
// job), a fixture installer uploaded through the wizard and captured, its app run; then the
// container exported through the API and its archive dropped on the dashboard.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Browser, Page } from 'playwright-core'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let browser: Browser
let page: Page
const problems: string[] = []

before(async () => {
  buildFixtures({ log: () => {} })
  gw = await spawnGateway()
  browser = await launchChromium()
  mkdirSync(artifactsDir, { recursive: true })
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text())
  })
  await page.goto(`${gw.url}/#token=${gw.token}`)
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 15_000 })
})
after(async () => {
  await browser?.close()
  await gw?.stop()
})

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json', ...init.headers },
  })
const card = (name: string) => page.locator(`article[data-container="${name}"]`)

test('a Wine container made in the panel waits for its base runtime, then takes an install through the wizard', async () => {
  await page.getByRole('button', { name: 'New container' }).click()
  const dialog = page.getByRole('dialog', { name: 'New container' })
  await dialog.getByLabel('Name', { exact: true }).fill('acme')
  await dialog.getByRole('button', { name: 'Create' }).click()
  // The first Wine container of an installation: the gateway makes the base runtime first (a job).
  await card('acme').waitFor({ timeout: 10_000 })
  await card('acme').locator('[data-state="created"]').waitFor({ timeout: 240_000 })

  await page.getByRole('button', { name: 'Install into acme' }).click()
  const wizard = page.getByRole('dialog', { name: 'Install into acme' })
  await wizard.getByLabel('Installer (.exe or .msi)').setInputFiles(fixturePath('acme-setup-v1'))
  await wizard.getByLabel(/Installer arguments/).fill('/S')
  await wizard.getByRole('button', { name: 'Upload and install' }).click()
  // Live: the container turns `installing` on the dashboard behind the wizard, then the apps come.
  await card('acme').locator('[data-state="installing"]').waitFor({ timeout: 30_000 })
  // The capture ends with the apps found, or with the job's failure, whichever comes.
  const done = wizard.getByRole('heading', { name: 'Apps found' }).or(wizard.locator('p.error'))
  await done.waitFor({ timeout: 420_000 }).catch(async (err) => {
    await page.screenshot({ path: join(artifactsDir, 'install-wizard-stuck.png') })
    const jobs = await (await api('/api/jobs?kind=container.install')).text()
    throw new Error(`${err}\njobs: ${jobs}\ngateway:\n${gw.output().slice(-3000)}`)
  })
  if (await wizard.locator('p.error').isVisible()) {
    await page.screenshot({ path: join(artifactsDir, 'install-wizard-failed.png') })
    assert.fail(`the install failed: ${await wizard.locator('p.error').textContent()}`)
  }
  const summary = (await wizard.locator('.ok').textContent()) ?? ''
  assert.match(summary, /Installed: \d+ files added/)
  await page.screenshot({ path: join(artifactsDir, 'install-wizard-done.png') })
  await wizard.getByRole('button', { name: 'Run Acme' }).click()
  await wizard.getByRole('status').filter({ hasText: 'Started' }).waitFor({ timeout: 30_000 })
  await wizard.getByRole('button', { name: 'Close' }).click()
  // The card shows the run without a reload.
  await card('acme')
    .getByText(/running since|ago \(/)
    .waitFor({ timeout: 30_000 })
  const listed = (await (await api('/api/containers/acme/apps')).json()) as { items?: unknown[] } | unknown[]
  assert.ok(JSON.stringify(listed).includes('Acme'))
  assert.deepEqual(problems, [])
})

test('a .ctnr dropped on the dashboard is imported; a taken name is asked again', async () => {
  // Wait for the run of the first test to end, so the container can be packed.
  for (let i = 0; i < 300; i++) {
    const c = (await (await api('/api/containers/acme')).json()) as { state: string }
    if (c.state !== 'running') break
    await sleep(200)
  }
  const started = (await (
    await api('/api/containers/acme/exports', { method: 'POST', body: '{}' })
  ).json()) as {
    job: { id: string }
  }
  let result: { download: string } | undefined
  for (let i = 0; i < 600 && !result; i++) {
    const j = (await (await api(`/api/jobs/${started.job.id}`)).json()) as {
      state: string
      result: { download: string }
    }
    if (j.state === 'succeeded') result = j.result
    else if (j.state === 'failed' || j.state === 'canceled')
      assert.fail(`export ${j.state}: ${JSON.stringify(j)}`)
    else await sleep(200)
  }
  assert.ok(result)
  const archive = Buffer.from(await (await api(result.download)).arrayBuffer())

  // Drop it anywhere on the dashboard, as a file dragged in from the desktop.
  await page.keyboard.press('Escape') // whatever dialog the first test left open
  await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
    const dt = new DataTransfer()
    dt.items.add(new File([bytes], 'acme.ctnr'))
    const target = document.querySelector('.cards') as HTMLElement
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }))
    await new Promise((r) => setTimeout(r, 100))
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
  }, archive.toString('base64'))
  const dialog = page.getByRole('dialog', { name: 'Import acme.ctnr' })
  // "acme" exists here: the panel asks for another name and uploads again.
  const rename = dialog.getByLabel('Import it under another name')
  await rename.waitFor({ timeout: 240_000 }).catch(async (err) => {
    await page.screenshot({ path: join(artifactsDir, 'import-stuck.png') })
    const jobs = await (await api('/api/jobs?kind=container.import')).text()
    throw new Error(`${err}\ndialog: ${await dialog.textContent()}\njobs: ${jobs}`)
  })
  await page.screenshot({ path: join(artifactsDir, 'import-rename.png') })
  await rename.fill('acme-copy')
  await dialog.getByRole('button', { name: 'Import' }).click()
  await dialog.getByRole('status').filter({ hasText: 'Imported acme-copy' }).waitFor({ timeout: 240_000 })
  await card('acme-copy').waitFor({ timeout: 10_000 })
  // Still a modal dialog (top layer, backdrop), not one that fell back into the page's flow.
  assert.equal(await dialog.evaluate((d) => d.matches(':modal')), true)
  await page.screenshot({ path: join(artifactsDir, 'import-done.png') })
  assert.deepEqual(problems, [])
})
