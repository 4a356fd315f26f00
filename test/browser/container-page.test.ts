// The container page against a real gateway and real Wine: Acme installed through the API, then
// run from its app's Run button with its output arriving live, a snapshot taken and restored, the
// registry browsed to HKLM\Software\Acme and the files to C:\Program Files\Acme, at desktop and
// phone widths. Screenshots land in test-results/.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Browser, Page } from 'playwright-core'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'
import { createOrbitClient, type OrbitClient, unwrap } from '../../sdk-gen/client.ts'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
let browser: Browser
let client: OrbitClient

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 240_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

const finished = (id: string) =>
  until(`job ${id}`, async () => {
    const j = unwrap(await client.GET('/api/jobs/{id}', { params: { path: { id } } }))
    return ['succeeded', 'failed', 'canceled'].includes(j.state) ? j : undefined
  })

before(async () => {
  buildFixtures({ log: () => {} })
  gw = await spawnGateway()
  client = createOrbitClient({ baseUrl: gw.url, token: gw.token })
  browser = await launchChromium()
  mkdirSync(artifactsDir, { recursive: true })
  // A container with Acme v1 installed (the first one also makes the base runtime: a job).
  const made = await client.POST('/api/containers', {
    body: { name: 'acme', runtime: 'wine', network: 'none' },
  })
  if (made.response.status === 202) {
    const j = await finished((made.data as unknown as { job: { id: string } }).job.id)
    assert.equal(j.state, 'succeeded', JSON.stringify(j.error))
  } else unwrap(made)
  const setup = fixturePath('acme-setup-v1')
  const accepted = unwrap(
    await client.POST('/api/containers/{id}/installs', {
      params: { path: { id: 'acme' }, query: { filename: 'acme-setup-v1.exe', args: ['/S'] } },
      body: readFileSync(setup) as unknown as string,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  )
  const j = await finished(accepted.job.id)
  assert.equal(j.state, 'succeeded', JSON.stringify(j.error))
})

after(async () => {
  await browser?.close()
  await gw?.stop()
})

/** A page signed in with the gateway's token that records CSP violations and page errors. */
async function openPanel(viewport: { width: number; height: number }, path: string) {
  const page = await browser.newPage({ viewport, acceptDownloads: true })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(String(e)))
  await page.goto(`${gw.url}${path}#token=${gw.token}`)
  return { page, problems }
}

const tab = (page: Page, name: string) => page.getByRole('tab', { name }).click()
const shot = (page: Page, name: string) => page.screenshot({ path: join(artifactsDir, name), fullPage: true })

/** Runs a step; when it fails, the page as it was is saved beside the other screenshots. */
async function step(page: Page, name: string, body: () => Promise<void>) {
  try {
    await body()
  } catch (err) {
    await shot(page, `container-failed-${name}.png`).catch(() => {})
    throw err
  }
}

test('the container page: run Acme live, snapshot and restore, registry, files', {
  timeout: 600_000,
}, async () => {
  const { page, problems } = await openPanel({ width: 1280, height: 800 }, '/')
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 })
  // The dashboard card links to the page.
  await page.locator('article[data-container="acme"]').getByRole('link', { name: 'acme' }).click()
  await page.getByRole('heading', { level: 1, name: 'acme' }).waitFor({ timeout: 15_000 })
  assert.match(new URL(page.url()).pathname, /^\/containers\//)
  await page.locator('[data-fact="size"]').filter({ hasText: /KB|MB/ }).waitFor({ timeout: 15_000 })
  await page.locator('[data-fact="runtime"]').filter({ hasText: 'Wine' }).waitFor()
  await shot(page, 'container-overview-1280.png')

  // Run Acme from its app's Run button: its lines appear while it runs, then its exit code.
  await tab(page, 'Apps & runs')
  await page
    .getByRole('button', { name: /^Run Acme/ })
    .first()
    .click()
  const pane = page.getByRole('log', { name: 'Output' })
  await pane.filter({ hasText: 'acme version (registry): 1.0.0' }).waitFor({ timeout: 120_000 })
  await page
    .getByRole('status')
    .filter({ hasText: /Ended: exit code 0/ })
    .waitFor({ timeout: 120_000 })
  const out = (await pane.textContent()) ?? ''
  assert.ok(out.split('\n').includes('acme version (registry): 1.0.0'), out)
  await shot(page, 'container-runs-1280.png')

  // A long run: its output arrives while it is still running, and Stop ends it.
  await page.getByLabel('Program (Windows path)').fill('C:\\Program Files\\Acme\\acme.exe')
  await page.getByLabel('Arguments').fill('--sleep 300')
  await page.getByRole('form', { name: 'Run program' }).getByRole('button', { name: 'Run' }).click()
  await pane.filter({ hasText: 'acme sleeping 300' }).waitFor({ timeout: 120_000 })
  assert.equal(await page.locator('[data-run-state="running"]').count(), 1)
  await page.getByRole('button', { name: 'Stop' }).click()
  await page
    .getByRole('status')
    .filter({ hasText: /Ended:/ })
    .waitFor({ timeout: 60_000 })
  await page.locator('.state[data-state="stopped"]').waitFor({ timeout: 60_000 })

  // Snapshot, change the registry through the API, restore: the change is gone.
  await step(page, 'snapshots', async () => {
    await tab(page, 'Snapshots')
    await page.getByLabel('Label').fill('ui-snap')
    await page.getByRole('button', { name: 'Take snapshot' }).click()
    await page.getByText('Snapshot ui-snap taken').waitFor({ timeout: 120_000 })
    const item = page.locator('li[data-snapshot$="-ui-snap"]')
    await item.waitFor({ timeout: 15_000 })
    const snapId = (await item.getAttribute('data-snapshot')) as string
    unwrap(
      await client.PUT('/api/containers/{id}/registry/value', {
        params: { path: { id: 'acme' } },
        body: { key: 'HKLM\\Software\\Acme', name: 'Version', type: 'sz', data: '9.9.9' },
      }),
    )
    await page.getByRole('button', { name: `Restore ${snapId}` }).click()
    const dialog = page.getByRole('dialog', { name: `Restore ${snapId}?` })
    await dialog.getByRole('button', { name: 'Restore' }).click()
    await page.getByText(`Restored ${snapId}`).waitFor({ timeout: 120_000 })
    const v = unwrap(
      await client.GET('/api/containers/{id}/registry/value', {
        params: { path: { id: 'acme' }, query: { key: 'HKLM\\Software\\Acme', name: 'Version' } },
      }),
    )
    assert.equal(v.data, '1.0.0')
    // The install's own snapshots differ by Acme's files and keys.
    const post = page.locator('li[data-snapshot$="-post-install"]')
    await post.getByRole('button', { name: /^Changes in/ }).click()
    await page
      .getByRole('list', { name: 'Files added' })
      .filter({ hasText: 'C:\\Program Files\\Acme\\acme.exe' })
      .waitFor({ timeout: 30_000 })
    await shot(page, 'container-snapshots-1280.png')
  })

  // The registry: HKLM\Software\Acme and its Version.
  await step(page, 'registry', async () => {
    await tab(page, 'Registry')
    await page.getByRole('button', { name: 'Software', exact: true }).first().click()
    await page.getByRole('button', { name: 'Acme', exact: true }).click()
    const values = page.getByRole('table', { name: 'Values of HKLM\\Software\\Acme' })
    await values.waitFor({ timeout: 15_000 })
    const version = values.locator('tr[data-value="Version"]')
    assert.match((await version.textContent()) ?? '', /REG_SZ.*1\.0\.0/)
    await shot(page, 'container-registry-1280.png')

    // A key made through the API is deleted through the tree, subkeys and all.
    const key = 'HKLM\\Software\\Acme\\Plugins'
    unwrap(
      await client.PUT('/api/containers/{id}/registry/value', {
        params: { path: { id: 'acme' } },
        body: { key: `${key}\\Old`, name: 'Enabled', type: 'dword', data: 1 },
      }),
    )
    await page.getByLabel('Key path').fill(key)
    await page.getByRole('button', { name: 'Go' }).click()
    await page.getByRole('button', { name: `Delete key ${key}` }).click()
    const confirm = page.getByRole('dialog', { name: 'Delete key Plugins?' })
    await confirm.getByRole('button', { name: 'Delete key' }).click()
    await page.getByText(`Deleted ${key}`).waitFor({ timeout: 15_000 })
    const gone = await client.GET('/api/containers/{id}/registry', {
      params: { path: { id: 'acme' }, query: { key } },
    })
    assert.equal(gone.response.status, 404)
    assert.ok(
      unwrap(
        await client.GET('/api/containers/{id}/registry/value', {
          params: { path: { id: 'acme' }, query: { key: 'HKLM\\Software\\Acme', name: 'Version' } },
        }),
      ),
      'its parent and the parent’s values stay',
    )
  })

  // The files: C:\Program Files\Acme, and acme.exe downloaded byte for byte.
  await step(page, 'files', async () => {
    await tab(page, 'Files')
    await page.getByRole('button', { name: /Program Files$/ }).click()
    await page.getByRole('button', { name: /Acme$/ }).click()
    const link = page.getByRole('link', { name: 'Download acme.exe' })
    await link.waitFor({ timeout: 15_000 })
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    const saved = await download.path()
    assert.equal(download.suggestedFilename(), 'acme.exe')
    assert.equal(readFileSync(saved).length, readFileSync(fixturePath('acme-v1')).length)
    await shot(page, 'container-files-1280.png')
  })

  // Export with snapshots, encrypted: the job's progress, then the archive downloads.
  await step(page, 'export', async () => {
    await tab(page, 'Export')
    await page.getByLabel('Include snapshots').check()
    await page.getByLabel('Encrypt with a passphrase').check()
    await page.getByLabel(/^Passphrase/).fill('correct horse battery')
    await page.getByRole('button', { name: 'Export', exact: true }).click()
    const archive = page.getByRole('link', { name: 'Download acme.ctnr' })
    await archive.waitFor({ timeout: 180_000 })
    assert.match((await page.locator('.export-done').textContent()) ?? '', /encrypted, 3 snapshots/)
    const [ctnr] = await Promise.all([page.waitForEvent('download'), archive.click()])
    assert.ok(readFileSync(await ctnr.path()).length > 1000)
    await shot(page, 'container-export-1280.png')
  })

  // Settings: saved through the API; a value the gateway refuses is rolled back with its message.
  await step(page, 'settings', async () => {
    await tab(page, 'Overview')
    await page.getByLabel(/^Environment/).fill('MODE=demo\nLEVEL=3')
    await page.getByLabel('Memory limit (MB)').fill('256')
    await page.getByLabel('Network').selectOption('host')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: 15_000 })
    const c = unwrap(await client.GET('/api/containers/{id}', { params: { path: { id: 'acme' } } }))
    assert.deepEqual(c.env, { MODE: 'demo', LEVEL: '3' })
    assert.equal(c.limits.memoryMb, 256)
    assert.equal(c.network, 'host')
    await page.getByLabel('Memory limit (MB)').fill('2')
    await page.getByLabel('Network').selectOption('none')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page
      .getByRole('alert')
      .filter({ hasText: /^Not saved: / })
      .waitFor({ timeout: 15_000 })
    await page.locator('[data-fact="network"]').filter({ hasText: 'host network' }).waitFor()
    assert.equal(await page.getByLabel('Memory limit (MB)').inputValue(), '256')
    await shot(page, 'container-settings-refused-1280.png')
  })

  // Keyboard: arrows move between the tabs.
  await page.getByRole('tab', { name: 'Overview' }).focus()
  await page.keyboard.press('ArrowLeft')
  await page.getByRole('tab', { name: 'Export', selected: true }).waitFor()
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-export')
  assert.equal(new URL(page.url()).searchParams.get('tab'), 'export')
  assert.deepEqual(problems, [])
  await page.close()
})

test('the container page at phone width', { timeout: 120_000 }, async () => {
  const { page, problems } = await openPanel({ width: 390, height: 844 }, '/containers/acme?tab=runs')
  await page.getByRole('heading', { level: 1, name: 'acme' }).waitFor({ timeout: 15_000 })
  await page.getByRole('log', { name: 'Output' }).waitFor({ timeout: 15_000 })
  // Nothing is wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 390, `page is ${width}px wide`)
  await shot(page, 'container-runs-390.png')
  await page.getByRole('tab', { name: 'Registry' }).click()
  await page.getByRole('button', { name: 'Software', exact: true }).first().waitFor({ timeout: 15_000 })
  await shot(page, 'container-registry-390.png')
  await page.getByRole('tab', { name: 'Overview' }).click()
  await page.getByRole('button', { name: 'Save settings' }).waitFor()
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390)
  await shot(page, 'container-overview-390.png')
  assert.deepEqual(problems, [])
  await page.close()
})

test('deleting a container from its page needs its name typed, then leads to the dashboard', {
  timeout: 120_000,
}, async () => {
  unwrap(
    await client.POST('/api/containers', { body: { name: 'doomed', runtime: 'native', network: 'none' } }),
  )
  const { page, problems } = await openPanel({ width: 1280, height: 800 }, '/containers/doomed')
  await page.getByRole('heading', { level: 1, name: 'doomed' }).waitFor({ timeout: 15_000 })
  await page.getByRole('button', { name: 'Delete container…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Delete doomed?' })
  const confirm = dialog.getByRole('button', { name: 'Delete' })
  assert.equal(await confirm.isDisabled(), true)
  await dialog.getByLabel('Container name').fill('doomed')
  await page.screenshot({ path: join(artifactsDir, 'container-delete-dialog.png') })
  await confirm.click()
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 15_000 })
  assert.equal(new URL(page.url()).pathname, '/')
  await page.locator('article[data-container="acme"]').waitFor()
  assert.equal(await page.locator('article[data-container="doomed"]').count(), 0)
  const gone = await client.GET('/api/containers/{id}', { params: { path: { id: 'doomed' } } })
  assert.equal(gone.response.status, 404)
  assert.deepEqual(problems, [])
  await page.close()
})
