// POST /api/containers/{id}/installs and the container's display: a display-host container's
// install is refused when the gateway has no usable display, before anything is uploaded (the
// installer's windows could not be shown, and a GUI-only installer would wait for ever). The
// install that does run on the display is proven with real Wine in test/e2e/gui-display.test.ts.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { after, before, test } from 'node:test'
import type { Container } from '../../../openapi/containers.ts'
import { updateRow } from '../services/containers/store.ts'
import { uploadsDir } from '../services/installs/upload.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp()
})
after(() => t.cleanup())

/** A display number no X server listens on here. */
const noServer = 64000 + (process.pid % 1000)

const install = (id: string, body: string) =>
  t.app.request(`/api/containers/${id}/installs?filename=setup.exe`, {
    method: 'POST',
    body,
    headers: { ...bearer(), 'content-type': 'application/octet-stream' },
  })

const uploads = () => (existsSync(uploadsDir(t.dataDir)) ? readdirSync(uploadsDir(t.dataDir)) : [])

/** A container row the install checks take for a Wine one (the core is never reached here). */
async function wineRow(name: string, display: 'none' | 'host'): Promise<string> {
  const res = await t.app.request('/api/containers', {
    method: 'POST',
    body: JSON.stringify({ name, runtime: 'native', display }),
    headers: { ...bearer(), 'content-type': 'application/json' },
  })
  assert.equal(res.status, 201, await res.clone().text())
  const c = (await res.json()) as Container
  updateRow(t.deps.db, c.id, { runtimeKind: 'wine' })
  return c.id
}

test('display host: a gateway without a usable display refuses the install before the upload', async () => {
  assert.ok(!existsSync(`/tmp/.X11-unix/X${noServer}`))
  t.deps.config.display = `:${noServer}`
  const id = await wineRow('gui', 'host')
  // The body is empty: had the display check let it through, the upload would refuse it instead.
  const res = await install(id, '')
  assert.equal(res.status, 409, await res.clone().text())
  const problem = (await res.json()) as { code: string; detail: string }
  assert.equal(problem.code, 'ECONFLICT')
  assert.match(problem.detail, new RegExp(`no X server listens on display :${noServer}`))
  assert.deepEqual(uploads(), [])
  const now = (await (
    await t.app.request(`/api/containers/${id}`, { headers: bearer() })
  ).json()) as Container
  assert.equal(now.state, 'created', 'the container is left as it was')
})

test('display none: no display is needed, so the same request goes on to the upload', async () => {
  t.deps.config.display = `:${noServer}`
  const id = await wineRow('plain', 'none')
  const res = await install(id, '')
  assert.equal(res.status, 400, await res.clone().text())
  assert.equal(((await res.json()) as { code: string }).code, 'EVALIDATION')
})
