// The dashboard with 1000 containers, measured in Chromium against the real gateway: the time
// from navigation to 1000 cards on screen, and from a PATCH of one container to its card showing
// the change (the event travelling gateway -> SSE -> reducer -> one card). The baseline, in the
// same browser and run, is a static page of 1000 cards of the same markup (what rendering alone costs).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium } from '../support/browser.ts'
import { spawnGateway } from '../support/gateway.ts'
import type { Bench } from './harness.ts'
import { ms } from './harness.ts'

const COUNT = 1000
const ROUNDS = 5

const median = (t: number[]) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)] ?? Number.NaN

/** 1000 plain cards, like the dashboard's, as one static page. */
function staticPage(): string {
  const card = (i: number) =>
    `<article class="card"><h2><a href="/c/${i}">app-${i}</a></h2><dl><dt>Version</dt><dd>1.0</dd>` +
    '<dt>Runtime</dt><dd>Native</dd><dt>On disk</dt><dd>28.0 KB</dd>' +
    '<dt>Last run</dt><dd>never</dd><dt>Network</dt><dd>host network</dd></dl></article>'
  return `<!doctype html><html><body><main>${Array.from({ length: COUNT }, (_, i) => card(i)).join('')}</main></body></html>`
}

export const dashboard: Bench = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'orbit-bench-dashboard-'))
  const gw = await spawnGateway({ dataDir })
  const browser = await launchChromium()
  try {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${gw.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${gw.token}`, 'content-type': 'application/json' },
      })
    const ids: string[] = []
    for (let i = 0; i < COUNT; i++) {
      const res = await api('/api/containers', {
        method: 'POST',
        body: JSON.stringify({ name: `app-${i}`, runtime: 'native', version: '1.0' }),
      })
      if (res.status !== 201) throw new Error(`create ${i}: ${res.status} ${await res.text()}`)
      ids.push(((await res.json()) as { id: string }).id)
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const firstRender: number[] = []
    const staticRender: number[] = []
    const update: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // The panel: navigation start to 1000 cards in the document.
      await page.goto(`${gw.url}/#token=${gw.token}`)
      const t = await page.waitForFunction(
        (n) => (document.querySelectorAll('article').length >= n ? performance.now() : 0),
        COUNT,
        { timeout: 120_000, polling: 'raf' },
      )
      firstRender.push(Number(await t.jsonValue()))
      // The live update: a PATCH, then the card's new version on screen (one clock, Date.now()).
      const id = ids[(round * 97) % COUNT] as string
      const version = `2.${round}`
      const seen = page.waitForFunction(
        (v) => {
          const hit = [...document.querySelectorAll('article')].some((a) => a.textContent?.includes(v))
          return hit ? Date.now() : 0
        },
        version,
        { timeout: 60_000, polling: 'raf' },
      )
      const sent = Date.now()
      const res = await api(`/api/containers/${id}`, { method: 'PATCH', body: JSON.stringify({ version }) })
      if (res.status !== 200) throw new Error(`patch: ${res.status} ${await res.text()}`)
      update.push(Number(await (await seen).jsonValue()) - sent)

      // A page of its own: the panel's page must load afresh in the next round.
      const plain = await browser.newPage({ viewport: { width: 1280, height: 800 } })
      const html = staticPage()
      const s = await plain.evaluate(async (h) => {
        const t0 = performance.now()
        document.open()
        document.write(h)
        document.close()
        await new Promise(requestAnimationFrame)
        return performance.now() - t0
      }, html)
      await plain.close()
      staticRender.push(s)
      await page.goto('about:blank')
    }
    const first = median(firstRender)
    const base = median(staticRender)
    return [
      {
        name: `dashboard: first render of ${COUNT} cards`,
        baseline: `static page of ${COUNT} equal cards`,
        value: ms(first),
        baselineValue: ms(base),
        ratio: `${(first / base).toFixed(1)}x`,
        target: 'reported',
        met: true,
      },
      {
        name: 'dashboard: one card updated by an event',
        baseline: 'none (PATCH sent -> card shows it)',
        value: ms(median(update)),
        baselineValue: '-',
        ratio: '-',
        target: 'reported',
        met: true,
      },
    ]
  } finally {
    await browser.close()
    await gw.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
