// Fake gateway routes for the admin pages (tokens, jobs, audit, users, passkeys, config), answers
// built with the contract's zod schemas so a drift between the panel and openapi/*.ts fails here.
import { HttpResponse, http } from 'msw'
import { AuditEntry, AuditPage, AuditVerification } from '../../../openapi/audit.ts'
import { JobPage } from '../../../openapi/jobs.ts'
import { Passkey } from '../../../openapi/passkeys.ts'
import { ApiToken, CreateApiToken, CreatedApiToken } from '../../../openapi/tokens.ts'
import { Invitation, User } from '../../../openapi/users.ts'
import { type FakeGateway, origin, problem } from './fake-gateway.ts'

type Token = ReturnType<typeof ApiToken.parse>
type Entry = ReturnType<typeof AuditEntry.parse>
type UserRow = ReturnType<typeof User.parse>
type PasskeyRow = ReturnType<typeof Passkey.parse>

export function makeUser(name: string, extra: Partial<UserRow> = {}): UserRow {
  return User.parse({
    id: `u-${name}`,
    name,
    role: 'viewer',
    createdAt: new Date(Date.now() - 86_400_000).toISOString(),
    disabled: false,
    passkeys: 1,
    ...extra,
  })
}

export function makePasskey(name: string, extra: Partial<PasskeyRow> = {}): PasskeyRow {
  return Passkey.parse({
    id: `pk-${name.replace(/\W/g, '')}`,
    name,
    createdAt: new Date(Date.now() - 86_400_000).toISOString(),
    lastUsedAt: null,
    deviceType: 'singleDevice',
    backedUp: false,
    transports: ['internal'],
    ...extra,
  })
}

export function makeToken(name: string, extra: Partial<Token> = {}): Token {
  const now = Date.now()
  return ApiToken.parse({
    id: `tok-${Math.random().toString(16).slice(2, 10)}`,
    name,
    scopes: ['containers:read'],
    userId: 'u1',
    createdBy: 'user:ada',
    createdAt: new Date(now - 3_600_000).toISOString(),
    expiresAt: new Date(now + 30 * 86_400_000).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
    ...extra,
  })
}

export function makeEntry(id: number, extra: Partial<Entry> = {}): Entry {
  return AuditEntry.parse({
    id,
    at: new Date(Date.UTC(2026, 10, 22, 10, 0, id)).toISOString(),
    actor: 'user:ada',
    ip: '127.0.0.1',
    action: 'container.create',
    target: 'acme',
    result: 'ok',
    details: {},
    hash: id.toString(16).padStart(64, '0'),
    ...extra,
  })
}

export interface FakeAdmin {
  tokens: Token[]
  audit: Entry[]
  /** The query string of every GET /api/audit. */
  auditQueries: URLSearchParams[]
  jobQueries: URLSearchParams[]
  verify: ReturnType<typeof AuditVerification.parse>
  users: UserRow[]
  passkeys: PasskeyRow[]
  handlers: ReturnType<typeof http.get>[]
}

/** Routes over the base fake gateway's guard (it must already be in the server's handlers). */
export function fakeAdmin(
  gw: FakeGateway,
  initial: { tokens?: Token[]; audit?: Entry[]; users?: UserRow[]; passkeys?: PasskeyRow[] } = {},
): FakeAdmin {
  const fa: FakeAdmin = {
    tokens: [...(initial.tokens ?? [])],
    audit: [...(initial.audit ?? [])],
    auditQueries: [],
    jobQueries: [],
    verify: AuditVerification.parse({ ok: true, entries: initial.audit?.length ?? 0 }),
    users: [...(initial.users ?? [])],
    passkeys: [...(initial.passkeys ?? [])],
    handlers: [],
  }
  const csrfOk = (request: Request) => request.headers.get('x-csrf-token') === gw.session?.csrfToken
  fa.handlers = [
    http.get(`${origin}/api/tokens`, () =>
      HttpResponse.json({ items: fa.tokens.map((t) => ApiToken.parse(t)) }),
    ),
    http.post(`${origin}/api/tokens`, async ({ request }) => {
      if (!csrfOk(request)) return problem(403, 'ECSRF', 'Forbidden', 'CSRF token missing')
      const body = CreateApiToken.safeParse(await request.json())
      if (!body.success) return problem(400, 'EVALIDATION', 'Invalid request', body.error.issues[0]?.message)
      const row = makeToken(body.data.name, { scopes: body.data.scopes })
      fa.tokens.unshift(row)
      return HttpResponse.json(CreatedApiToken.parse({ ...row, token: `orbit_secret_${row.id}` }), {
        status: 201,
      })
    }),
    http.delete(`${origin}/api/tokens/:id`, ({ request, params }) => {
      if (!csrfOk(request)) return problem(403, 'ECSRF', 'Forbidden', 'CSRF token missing')
      const t = fa.tokens.find((x) => x.id === params.id)
      if (!t) return problem(404, 'ENOTFOUND', 'Not found', 'no such token')
      t.revokedAt = new Date().toISOString()
      return new HttpResponse(null, { status: 204 })
    }),
    http.get(`${origin}/api/audit/verify`, () => HttpResponse.json(AuditVerification.parse(fa.verify))),
    http.get(`${origin}/api/audit`, ({ request }) => {
      const q = new URL(request.url).searchParams
      fa.auditQueries.push(q)
      const limit = Number(q.get('limit') ?? 100)
      const cursor = q.get('cursor')
      const match = (e: Entry) =>
        (!q.get('actor') || e.actor === q.get('actor')) &&
        (!q.get('action') || e.action === q.get('action')) &&
        (!q.get('target') || e.target === q.get('target')) &&
        (!q.get('result') || e.result === q.get('result')) &&
        (!q.get('since') || e.at >= new Date(q.get('since') as string).toISOString()) &&
        (!q.get('until') || e.at <= new Date(q.get('until') as string).toISOString()) &&
        (!cursor || e.id < Number(cursor))
      const items = fa.audit.filter(match).sort((a, b) => b.id - a.id)
      const page = items.slice(0, limit)
      const more = items.length > limit
      return HttpResponse.json(
        AuditPage.parse({ items: page, nextCursor: more ? String(page.at(-1)?.id) : null }),
      )
    }),
    http.get(`${origin}/api/users`, () => HttpResponse.json({ items: fa.users.map((u) => User.parse(u)) })),
    http.post(`${origin}/api/users/invites`, async ({ request }) => {
      if (!csrfOk(request)) return problem(403, 'ECSRF', 'Forbidden', 'CSRF token missing')
      const body = (await request.json()) as { name: string; role: UserRow['role']; expiresIn: string }
      if (fa.users.some((u) => u.name === body.name))
        return problem(409, 'ECONFLICT', 'Conflict', `a user named ${body.name} exists`)
      const token = `invite-secret-${body.name}`
      return HttpResponse.json(
        Invitation.parse({
          id: `inv-${body.name}`,
          name: body.name,
          role: body.role,
          url: `${origin}/enroll#${token}`,
          token,
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        }),
        { status: 201 },
      )
    }),
    http.patch(`${origin}/api/users/:id`, async ({ request, params }) => {
      if (!csrfOk(request)) return problem(403, 'ECSRF', 'Forbidden', 'CSRF token missing')
      const u = fa.users.find((x) => x.id === params.id)
      if (!u) return problem(404, 'ENOTFOUND', 'Not found', 'no such user')
      const body = (await request.json()) as { role?: UserRow['role']; disabled?: boolean }
      const next = { ...u, ...body }
      const admins = fa.users
        .map((x) => (x.id === u.id ? next : x))
        .filter((x) => x.role === 'admin' && !x.disabled)
      if (admins.length === 0)
        return problem(409, 'ECONFLICT', 'Conflict', 'Orbit must keep an enabled admin')
      Object.assign(u, body)
      return HttpResponse.json(User.parse(u))
    }),
    http.get(`${origin}/api/passkeys`, () =>
      HttpResponse.json({ items: fa.passkeys.map((p) => Passkey.parse(p)) }),
    ),
    http.patch(`${origin}/api/passkeys/:id`, async ({ request, params }) => {
      if (!csrfOk(request)) return problem(403, 'ECSRF', 'Forbidden', 'CSRF token missing')
      const p = fa.passkeys.find((x) => x.id === params.id)
      if (!p) return problem(404, 'ENOTFOUND', 'Not found', 'you have no such passkey')
      p.name = ((await request.json()) as { name: string }).name
      return HttpResponse.json(Passkey.parse(p))
    }),
    http.delete(`${origin}/api/passkeys/:id`, ({ request, params }) => {
      if (!csrfOk(request)) return problem(403, 'ECSRF', 'Forbidden', 'CSRF token missing')
      if (!fa.passkeys.some((x) => x.id === params.id))
        return problem(404, 'ENOTFOUND', 'Not found', 'you have no such passkey')
      if (fa.passkeys.length === 1)
        return problem(409, 'ECONFLICT', 'Conflict', 'this is your last passkey; add another first')
      fa.passkeys = fa.passkeys.filter((x) => x.id !== params.id)
      return new HttpResponse(null, { status: 204 })
    }),
    http.get(`${origin}/api/jobs`, ({ request }) => {
      const q = new URL(request.url).searchParams
      fa.jobQueries.push(q)
      const items = [...gw.jobs.values()]
        .filter(
          (j) =>
            (!q.get('state') || j.state === q.get('state')) && (!q.get('kind') || j.kind === q.get('kind')),
        )
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      return HttpResponse.json(JobPage.parse({ items, nextCursor: null }))
    }),
  ]
  return fa
}
