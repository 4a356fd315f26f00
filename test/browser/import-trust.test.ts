// A .ctnr from another installation, dropped on the panel: its signer is unknown here, so the
// panel asks before trusting it; it is encrypted, so the panel asks for the passphrase, first
// saying so again when the passphrase is wrong. Two real gateways, native containers (no Wine).
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Browser, Page } from 'playwright-core'
import { artifactsDir, launchChromium } from '../support/browser.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let here: RunningGateway
let there: RunningGateway
let browser: Browser
let page: Page

before(async () => {
  ;[here, there] = await Promise.all([spawnGateway(), spawnGateway()])
  browser = await launchChromium()
  mkdirSync(artifactsDir, { recursive: true })
})
after(async () => {
  await browser?.close()
  await Promise.all([here?.stop(), there?.stop()])
})

const call = (gw: RunningGateway, path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json', ...init.headers },
  })

/** Exports a fresh native container from the other installation, encrypted. */
async function foreignArchive(passphrase: string): Promise<Buffer> {
  const made = await call(there, '/api/containers', {
    method: 'POST',
    body: JSON.stringify({ name: 'books', runtime: 'native', env: { BOOKS: 'yes' } }),
  })
  assert.equal(made.status, 201)
  const { id } = (await made.json()) as { id: string }
  const started = (await (
    await call(there, `/api/containers/${id}/exports`, {
      method: 'POST',
      body: JSON.stringify({ passphrase }),
    })
  ).json()) as { job: { id: string } }
  for (let i = 0; i < 600; i++) {
    const j = (await (await call(there, `/api/jobs/${started.job.id}`)).json()) as {
      state: string
      result: { download: string; encrypted: boolean }
    }
    if (j.state === 'succeeded') {
      assert.equal(j.result.encrypted, true)
      return Buffer.from(await (await call(there, j.result.download)).arrayBuffer())
    }
    if (j.state === 'failed' || j.state === 'canceled') assert.fail(`export ${j.state}: ${JSON.stringify(j)}`)
    await sleep(200)
  }
  assert.fail('the export did not end')
}

test('a foreign, encrypted .ctnr: trust prompt, passphrase prompt (again when wrong), then imported', async () => {
  const archive = await foreignArchive('correct horse battery')
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(String(e)))
  await page.goto(`${here.url}/#token=${here.token}`)
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: 15_000 })

  await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
    const dt = new DataTransfer()
    dt.items.add(new File([bytes], 'books.ctnr'))
    const target = document.querySelector('.dashboard') as HTMLElement
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }))
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
  }, archive.toString('base64'))
  const dialog = page.getByRole('dialog', { name: 'Import books.ctnr' })

  // The signer is unknown here: the panel asks, naming it, before anything is trusted.
  const trust = dialog.getByRole('button', { name: 'Trust this signer and import' })
  await trust.waitFor({ timeout: 60_000 })
  assert.match((await dialog.textContent()) ?? '', /does not trust yet/)
  await page.screenshot({ path: join(artifactsDir, 'import-trust.png') })
  await trust.click()

  // Encrypted: the passphrase is asked for; a wrong one is said to be wrong.
  await dialog.getByLabel('Passphrase').fill('not the passphrase')
  await dialog.getByRole('button', { name: 'Import' }).click()
  await dialog.getByText('That passphrase did not open the archive.').waitFor({ timeout: 60_000 })
  await page.screenshot({ path: join(artifactsDir, 'import-passphrase.png') })
  await dialog.getByLabel('Passphrase').fill('correct horse battery')
  await dialog.getByRole('button', { name: 'Import' }).click()
  await dialog.getByRole('status').filter({ hasText: 'Imported books' }).waitFor({ timeout: 60_000 })
  assert.match((await dialog.textContent()) ?? '', /its signer is now trusted/)
  await page.locator('article[data-container="books"]').waitFor({ timeout: 10_000 })

  const listed = (await (await call(here, '/api/containers?name=books')).json()) as {
    items: Array<{ env: Record<string, string> }>
  }
  assert.deepEqual(listed.items[0]?.env, { BOOKS: 'yes' })
  assert.deepEqual(problems, [])
})
