// A fake gateway for SPA unit tests (msw): request bodies are checked and answers are built with the
// contract's own zod schemas, so a drift between the panel and openapi/*.ts fails here too.
import { HttpResponse, http } from 'msw'
import { SessionInfo } from '../../../openapi/auth.ts'

type Session = ReturnType<typeof SessionInfo.parse>

import { Container, ContainerCreate, ContainerPage } from '../../../openapi/containers.ts'
import { Problem } from '../../../openapi/errors.ts'
import { InstallAccepted } from '../../../openapi/installs.ts'
import { Job } from '../../../openapi/jobs.ts'
import { Run, RunCreate } from '../../../openapi/runs.ts'
import { ImportAccepted } from '../../../openapi/transfer.ts'

export const origin = 'http://orbit.test'

export function problem(status: number, code: Problem['code'], title: string, detail?: string) {
  return HttpResponse.json(
    Problem.parse({ type: `/docs/problems#${code}`, title, status, code, ...(detail ? { detail } : {}) }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  )
}

export function makeContainer(name: string, extra: Partial<Container> = {}): Container {
  const now = new Date('2026-11-22T10:00:00.000Z').toISOString()
  return Container.parse({
    id: `${name}-${Math.random().toString(16).slice(2, 8)}`,
    name,
    version: null,
    state: 'created',
    stateReason: null,
    runtime: { kind: 'wine', id: 'base-1', wineVersion: 'wine-8.0', hash: null },
    env: {},
    network: 'none',
    display: 'none',
    limits: { memoryMb: null, pids: null },
    labels: {},
    installed: false,
    disk: null,
    lastRun: null,
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    ...extra,
  })
}

export function makeJob(extra: Partial<Job> = {}): Job {
  const now = new Date().toISOString()
  return Job.parse({
    id: crypto.randomUUID(),
    kind: 'container.install',
    containerId: null,
    state: 'queued',
    phase: null,
    progress: null,
    params: {},
    result: null,
    error: null,
    attempts: 0,
    resumable: false,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
    ...extra,
  })
}

export interface FakeGateway {
  containers: Container[]
  /** The signed-in principal; null answers 401 (signed out, expired). */
  session: Session | null
  /** What each unsafe request carried as X-CSRF-Token. */
  csrfSeen: Array<string | null>
  uploads: Array<{ path: string; bytes: number; query: string; passphrase: string | null }>
  /** Jobs the fake made (uploads), by id; tests change them and dispatch the matching events. */
  jobs: Map<string, Job>
  runs: Array<{ containerId: string; program: string }>
  handlers: ReturnType<typeof http.get>[]
}

export function fakeGateway(initial: { containers?: Container[]; session?: Session | null } = {}) {
  const gw: FakeGateway = {
    containers: [...(initial.containers ?? [])],
    session:
      initial.session === undefined
        ? SessionInfo.parse({
            subject: 'user:ada',
            via: 'session',
            user: { id: 'u1', name: 'ada', role: 'admin' },
            scopes: ['account', 'system:read', 'containers:read', 'containers:write', 'events:read'],
            csrfToken: 'csrf-123',
            expiresAt: null,
            stepUpAt: null,
          })
        : initial.session,
    csrfSeen: [],
    uploads: [],
    jobs: new Map(),
    runs: [],
    handlers: [],
  }
  /** The gateway's checks, in its order: credentials, then a session's CSRF token. */
  const guard = (request: Request) => {
    if (!gw.session)
      return problem(
        401,
        'EUNAUTHENTICATED',
        'Unauthenticated',
        'a valid bearer token or session is required',
      )
    if (request.method !== 'GET') {
      const csrf = request.headers.get('x-csrf-token')
      gw.csrfSeen.push(csrf)
      if (gw.session.via === 'session' && csrf !== gw.session.csrfToken)
        return problem(
          403,
          'ECSRF',
          'Forbidden',
          'this request needs the X-CSRF-Token header of your session',
        )
    }
    return undefined
  }
  gw.handlers = [
    http.get(`${origin}/api/auth/session`, ({ request }) => guard(request) ?? HttpResponse.json(gw.session)),
    // The stream: replay done at once, then open until the test ends (no heartbeats needed).
    http.get(`${origin}/api/events`, ({ request }) => {
      const refused = guard(request)
      if (refused) return refused
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('event: ready\nid: 1\ndata: {"latestId":1}\n\n'))
        },
      })
      return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream' } })
    }),
    http.get(
      `${origin}/api/containers`,
      ({ request }) =>
        guard(request) ?? HttpResponse.json(ContainerPage.parse({ items: gw.containers, nextCursor: null })),
    ),
    http.post(`${origin}/api/containers`, async ({ request }) => {
      const refused = guard(request)
      if (refused) return refused
      const body = ContainerCreate.safeParse(await request.json())
      if (!body.success) return problem(400, 'EVALIDATION', 'Invalid request', body.error.issues[0]?.message)
      if (gw.containers.some((c) => c.name === body.data.name))
        return problem(409, 'ECONFLICT', 'Conflict', `a container named ${body.data.name} exists`)
      const c = makeContainer(body.data.name, {
        runtime: {
          kind: body.data.runtime,
          id: null,
          wineVersion: body.data.runtime === 'wine' ? 'wine-8.0' : null,
          hash: null,
        },
        network: body.data.network,
        env: body.data.env ?? {},
      })
      gw.containers.push(c)
      return HttpResponse.json(c, { status: 201 })
    }),
    http.post(`${origin}/api/containers/:id/installs`, async ({ request, params }) => {
      const refused = guard(request)
      if (refused) return refused
      const bytes = (await request.arrayBuffer()).byteLength
      const url = new URL(request.url)
      gw.uploads.push({ path: url.pathname, bytes, query: url.search, passphrase: null })
      const job = makeJob({ containerId: String(params.id) })
      gw.jobs.set(job.id, job)
      return HttpResponse.json(
        InstallAccepted.parse({
          job,
          installer: { name: url.searchParams.get('filename'), size: bytes, blake3: 'ab'.repeat(32) },
        }),
        { status: 202 },
      )
    }),
    http.post(`${origin}/api/imports`, async ({ request }) => {
      const refused = guard(request)
      if (refused) return refused
      const bytes = (await request.arrayBuffer()).byteLength
      const url = new URL(request.url)
      const passphrase = request.headers.get('orbit-passphrase')
      gw.uploads.push({ path: url.pathname, bytes, query: url.search, passphrase })
      const name = url.searchParams.get('name')
      if (name && gw.containers.some((c) => c.name === name))
        return problem(409, 'ECONFLICT', 'Conflict', `a container named ${name} exists`)
      const job = makeJob({ kind: 'container.import' })
      gw.jobs.set(job.id, job)
      return HttpResponse.json(
        ImportAccepted.parse({ job, archive: { size: bytes, blake3: 'cd'.repeat(32) } }),
        {
          status: 202,
        },
      )
    }),
    http.get(`${origin}/api/jobs/:id`, ({ request, params }) => {
      const refused = guard(request)
      if (refused) return refused
      const job = gw.jobs.get(String(params.id))
      return job ? HttpResponse.json(Job.parse(job)) : problem(404, 'ENOTFOUND', 'Not found', 'no such job')
    }),
    http.post(`${origin}/api/containers/:id/runs`, async ({ request, params }) => {
      const refused = guard(request)
      if (refused) return refused
      const body = RunCreate.parse(await request.json())
      gw.runs.push({ containerId: String(params.id), program: body.program })
      const run = Run.parse({
        id: crypto.randomUUID(),
        containerId: String(params.id),
        program: body.program,
        target: 'C:\\acme.exe',
        args: body.args,
        state: 'running',
        pid: 4242,
        exitCode: null,
        signal: null,
        limits: null,
        error: null,
        startedAt: new Date().toISOString(),
        finishedAt: null,
      })
      return HttpResponse.json(run, { status: 201 })
    }),
  ]
  return gw
}
