// Fake gateway routes for the container page (one container's settings, apps, runs, snapshots,
// registry and files), answers built and bodies checked with the contract's zod schemas.
import { HttpResponse, http } from 'msw'
import { SessionInfo } from '../../../openapi/auth.ts'
import { AppList, type Container, ContainerPatch } from '../../../openapi/containers.ts'
import type { FileListing } from '../../../openapi/files.ts'
import {
  RegistryImportResult,
  RegistryKey,
  RegistryValue,
  RegistryValueSet,
} from '../../../openapi/registry.ts'
import { Run, RunPage } from '../../../openapi/runs.ts'
import { Snapshot, SnapshotDiff, SnapshotList } from '../../../openapi/snapshots.ts'
import { makeJob, origin, problem } from './fake-gateway.ts'

type Job = ReturnType<typeof makeJob>

type Key = ReturnType<typeof RegistryKey.parse>
type Value = ReturnType<typeof RegistryValue.parse>

/** A session that may also run programs (the base fake's lacks containers:run). */
export const runnerSession = SessionInfo.parse({
  subject: 'user:ada',
  via: 'session',
  user: { id: 'u1', name: 'ada', role: 'admin' },
  scopes: ['account', 'system:read', 'containers:read', 'containers:write', 'containers:run', 'events:read'],
  csrfToken: 'csrf-123',
  expiresAt: null,
  stepUpAt: null,
})

export function makeRun(containerId: string, extra: Partial<Run> = {}): Run {
  return Run.parse({
    id: crypto.randomUUID(),
    containerId,
    program: 'Acme',
    target: 'C:\\Program Files\\Acme\\acme.exe',
    args: [],
    state: 'running',
    pid: 4242,
    exitCode: null,
    signal: null,
    limits: null,
    error: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    ...extra,
  })
}

export function makeSnapshot(seq: number, label: string, parent: string | null): Snapshot {
  return Snapshot.parse({
    id: `${String(seq).padStart(3, '0')}-${label}`,
    seq,
    label,
    createdAt: new Date(Date.UTC(2026, 10, 22, 9, seq)).toISOString(),
    files: 10 * seq,
    bytes: 4096 * seq,
    entries: 12 * seq,
    parent,
  })
}

export interface FakeContainer {
  container: Container
  patches: unknown[]
  deleted: boolean
  runs: Run[]
  logs: Map<string, string>
  started: Array<{ program: string; args: string[] }>
  snapshots: Snapshot[]
  diffsAsked: Array<{ to: string; from: string | null }>
  diff: SnapshotDiff | undefined
  registry: Map<string, Key>
  valueSets: unknown[]
  valueDeletes: Array<{ key: string; name: string }>
  keyDeletes: string[]
  /** Bodies of .reg imports, as text. */
  imports: string[]
  /** Jobs the fake started (snapshots); tests move them on with job.* events. */
  jobs: Job[]
  files: Map<string, ReturnType<typeof FileListing.parse>>
  handlers: ReturnType<typeof http.get>[]
}

const lower = (s: string) => s.toLowerCase()

export function fakeContainer(container: Container): FakeContainer {
  const fc: FakeContainer = {
    container,
    patches: [],
    deleted: false,
    runs: [],
    logs: new Map(),
    started: [],
    snapshots: [],
    diffsAsked: [],
    diff: undefined,
    registry: new Map(),
    valueSets: [],
    valueDeletes: [],
    keyDeletes: [],
    imports: [],
    jobs: [],
    files: new Map(),
    handlers: [],
  }
  const base = `${origin}/api/containers/:id`
  const mine = (id: unknown) => id === container.id || id === container.name
  const missing = () => problem(404, 'ENOTFOUND', 'Not found', 'no such container')
  fc.handlers = [
    http.get(base, ({ params }) =>
      mine(params.id) && !fc.deleted ? HttpResponse.json(fc.container) : missing(),
    ),
    http.patch(base, async ({ request, params }) => {
      if (!mine(params.id)) return missing()
      const body = ContainerPatch.safeParse(await request.json())
      if (!body.success) return problem(400, 'EVALIDATION', 'Invalid request', body.error.issues[0]?.message)
      fc.patches.push(body.data)
      const p = body.data
      fc.container = {
        ...fc.container,
        ...(p.env ? { env: p.env } : {}),
        ...(p.labels ? { labels: p.labels } : {}),
        ...(p.network ? { network: p.network } : {}),
        ...(p.display ? { display: p.display } : {}),
        ...(p.limits ? { limits: { memoryMb: p.limits.memoryMb ?? null, pids: p.limits.pids ?? null } } : {}),
        updatedAt: new Date().toISOString(),
      }
      return HttpResponse.json(fc.container)
    }),
    http.delete(base, ({ params }) => {
      if (!mine(params.id)) return missing()
      fc.deleted = true
      return new HttpResponse(null, { status: 204 })
    }),
    http.get(`${base}/apps`, () =>
      HttpResponse.json(
        AppList.parse({
          items: [
            {
              name: 'Acme',
              target: 'C:\\Program Files\\Acme\\acme.exe',
              arguments: null,
              workingDir: null,
              description: null,
              icon: null,
              shortcut: null,
              source: 'executable',
            },
          ],
        }),
      ),
    ),
    http.get(`${base}/runs`, () => HttpResponse.json(RunPage.parse({ items: fc.runs, nextCursor: null }))),
    http.post(`${base}/runs`, async ({ request }) => {
      const body = (await request.json()) as { program: string; args: string[] }
      fc.started.push({ program: body.program, args: body.args })
      const run = makeRun(container.id, { program: body.program, args: body.args })
      fc.runs.unshift(run)
      return HttpResponse.json(run, { status: 201 })
    }),
    http.get(`${origin}/api/runs/:run/log`, ({ params }) => {
      const text = fc.logs.get(String(params.run)) ?? ''
      return new HttpResponse(text, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
    }),
    http.get(`${base}/snapshots`, () => HttpResponse.json(SnapshotList.parse({ items: fc.snapshots }))),
    http.get(`${base}/snapshots/:snap/diff`, ({ request, params }) => {
      fc.diffsAsked.push({ to: String(params.snap), from: new URL(request.url).searchParams.get('from') })
      return fc.diff
        ? HttpResponse.json(SnapshotDiff.parse(fc.diff))
        : problem(404, 'ENOTFOUND', 'Not found', 'no such snapshot')
    }),
    http.post(`${base}/snapshots`, async ({ request }) => {
      const { label } = (await request.json()) as { label: string }
      const job = makeJob({ kind: 'container.snapshot', containerId: container.id, params: { label } })
      fc.jobs.push(job)
      return HttpResponse.json({ job }, { status: 202 })
    }),
    http.get(`${base}/registry`, ({ request }) => {
      const key = new URL(request.url).searchParams.get('key') ?? ''
      const found = fc.registry.get(lower(key))
      return found
        ? HttpResponse.json(RegistryKey.parse(found))
        : problem(404, 'ENOTFOUND', 'Not found', `no key ${key}`)
    }),
    http.put(`${base}/registry/value`, async ({ request }) => {
      const body = RegistryValueSet.safeParse(await request.json())
      if (!body.success) return problem(400, 'EVALIDATION', 'Invalid request', body.error.issues[0]?.message)
      if (fc.container.state === 'running')
        return problem(409, 'ECONFLICT', 'Conflict', `${fc.container.name} is running: stop it first`)
      fc.valueSets.push(body.data)
      const k = fc.registry.get(lower(body.data.key))
      const { name, type, data, raw_type } = body.data
      const value: Value = { name, type, data, ...(raw_type !== undefined ? { raw_type } : {}) }
      if (k) k.values = [...k.values.filter((v) => lower(v.name) !== lower(value.name)), value]
      return HttpResponse.json(RegistryValue.parse(value))
    }),
    http.delete(`${base}/registry/value`, ({ request }) => {
      const q = new URL(request.url).searchParams
      if (fc.container.state === 'running')
        return problem(409, 'ECONFLICT', 'Conflict', `${fc.container.name} is running: stop it first`)
      const key = q.get('key') ?? ''
      const name = q.get('name') ?? ''
      fc.valueDeletes.push({ key, name })
      const k = fc.registry.get(lower(key))
      if (k) k.values = k.values.filter((v) => lower(v.name) !== lower(name))
      return new HttpResponse(null, { status: 204 })
    }),
    http.delete(`${base}/registry/key`, ({ request }) => {
      const key = new URL(request.url).searchParams.get('key') ?? ''
      if (fc.container.state === 'running')
        return problem(409, 'ECONFLICT', 'Conflict', `${fc.container.name} is running: stop it first`)
      if (!key.includes('\\'))
        return problem(400, 'EVALIDATION', 'Invalid request', 'a root cannot be deleted')
      if (!fc.registry.has(lower(key))) return problem(404, 'ENOTFOUND', 'Not found', `no key ${key}`)
      fc.keyDeletes.push(key)
      for (const k of [...fc.registry.keys()])
        if (k === lower(key) || k.startsWith(`${lower(key)}\\`)) fc.registry.delete(k)
      const at = key.lastIndexOf('\\')
      const parent = fc.registry.get(lower(key.slice(0, at)))
      if (parent) parent.subkeys = parent.subkeys.filter((n) => lower(n) !== lower(key.slice(at + 1)))
      return new HttpResponse(null, { status: 204 })
    }),
    http.post(`${base}/registry/import`, async ({ request }) => {
      const text = await request.text()
      if (!text.startsWith('Windows Registry Editor Version 5.00'))
        return problem(400, 'EVALIDATION', 'Invalid request', 'line 1: not a .reg file')
      fc.imports.push(text)
      return HttpResponse.json(
        RegistryImportResult.parse({ keysCreated: 1, keysDeleted: 0, valuesSet: 2, valuesDeleted: 0 }),
      )
    }),
    http.get(`${base}/files`, ({ request }) => {
      const path = new URL(request.url).searchParams.get('path') ?? 'C:\\'
      const found = fc.files.get(lower(path))
      return found ? HttpResponse.json(found) : problem(404, 'ENOTFOUND', 'Not found', `no folder ${path}`)
    }),
  ]
  return fc
}

/** Puts a key (and its values) into the fake registry, listing it under its parent. */
export function addKey(fc: FakeContainer, path: string, values: Value[] = []): void {
  fc.registry.set(lower(path), RegistryKey.parse({ path, subkeys: [], values, modified: null }))
  const at = path.lastIndexOf('\\')
  if (at < 0) return
  const parent = path.slice(0, at)
  if (!fc.registry.has(lower(parent))) addKey(fc, parent)
  const p = fc.registry.get(lower(parent)) as Key
  const name = path.slice(at + 1)
  if (!p.subkeys.includes(name)) p.subkeys.push(name)
}
