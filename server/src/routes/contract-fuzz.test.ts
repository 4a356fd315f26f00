// Contract-driven fuzzing: for every route of the contract, requests built from its own schemas but
// made wrong (malformed JSON, wrong types, missing required fields, strings past their limits,
// bodies past the size limit, odd path parameters, bad query values) are answered with a 4xx
// problem+json, never a 5xx. The inputs come from the generated OpenAPI document, so a new route
// is fuzzed without touching this file.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ErrorCode, emitDocument } from '../../../openapi/index.ts'
import { bearer, makeTestApp, type TestApp, testToken } from '../testing.ts'

interface Schema {
  $ref?: string
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  minItems?: number
  minLength?: number
  maxLength?: number
  minimum?: number
  pattern?: string
  format?: string
  example?: unknown
  default?: unknown
  nullable?: boolean
}
interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie'
  name: string
  required?: boolean
  schema?: Schema
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> }
}
interface Route {
  method: string
  path: string
  op: Operation
}

const doc = emitDocument() as unknown as {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}
const routes: Route[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
)
const label = (r: Route) => `${r.method} ${r.path}`

function resolve(s: Schema | undefined): Schema {
  let out = s ?? {}
  for (let i = 0; out.$ref && i < 20; i++) {
    out = doc.components.schemas[out.$ref.replace('#/components/schemas/', '')] ?? {}
  }
  if (out.allOf) {
    const parts = out.allOf.map(resolve)
    return {
      ...Object.assign({}, ...parts),
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    }
  }
  return out
}

/** The JSON types a schema accepts; undefined when it accepts anything. */
function jsonTypes(raw: Schema | undefined): Set<string> | undefined {
  const s = resolve(raw)
  const branches = s.anyOf ?? s.oneOf
  if (branches) {
    const all = new Set<string>()
    for (const b of branches) {
      const t = jsonTypes(b)
      if (!t) return undefined
      for (const x of t) all.add(x)
    }
    return all
  }
  if (s.enum) return new Set(s.enum.map(typeOf))
  if (s.const !== undefined) return new Set([typeOf(s.const)])
  if (s.type === undefined) return s.properties ? new Set(['object']) : undefined
  const types = new Set(Array.isArray(s.type) ? s.type : [s.type])
  if (types.has('integer')) types.add('number')
  if (s.nullable) types.add('null')
  return types
}

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

/** A value of a JSON type the schema does not accept, or undefined when it accepts every type. */
function wrongType(s: Schema | undefined): unknown {
  const accepted = jsonTypes(s)
  if (!accepted) return undefined
  const candidates: unknown[] = [12345, 'not the right type', true, ['x'], { unexpected: 1 }, null]
  return candidates.find((c) => !accepted.has(typeOf(c)))
}

/** A plausible value for a schema (its example or default when it has one). */
function sample(raw: Schema | undefined, depth = 0): unknown {
  const s = resolve(raw)
  if (s.example !== undefined) return s.example
  if (s.default !== undefined) return s.default
  if (s.const !== undefined) return s.const
  if (s.enum) return s.enum[0]
  const branch = (s.anyOf ?? s.oneOf)?.find((b) => resolve(b).type !== 'null')
  if (branch) return sample(branch, depth)
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type
  switch (type ?? (s.properties ? 'object' : undefined)) {
    case 'string':
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000'
      if (s.format === 'date-time') return '2026-01-01T00:00:00.000Z'
      return 'x'.repeat(Math.max(1, s.minLength ?? 1))
    case 'integer':
    case 'number':
      return s.minimum ?? 1
    case 'boolean':
      return true
    case 'array':
      return depth > 4 ? [] : Array.from({ length: s.minItems ?? 0 }, () => sample(s.items, depth + 1))
    case 'object': {
      if (depth > 4) return {}
      const out: Record<string, unknown> = {}
      for (const k of s.required ?? []) out[k] = sample(s.properties?.[k], depth + 1)
      return out
    }
    default:
      return 'x'
  }
}

/** A value that breaks a string's length limit, or undefined when it has none. */
function tooLong(raw: Schema | undefined): string | undefined {
  const s = resolve(raw)
  const types = jsonTypes(s)
  if (types?.size !== 1 || !types.has('string') || s.enum) return undefined
  return s.maxLength !== undefined ? 'a'.repeat(s.maxLength + 1) : undefined
}

let t: TestApp
let maxBodyBytes: number
before(async () => {
  t = await makeTestApp()
  maxBodyBytes = t.deps.config.maxBodyBytes
})
after(async () => {
  await t.cleanup()
})

interface Case {
  route: Route
  what: string
  path?: string
  query?: string
  headers?: Record<string, string>
  body?: BodyInit
  /** The input is wrong for sure: a 4xx is required (else anything but a 5xx will do). */
  invalid: boolean
}

/** The route's path with its parameters filled with plausible values (or `override` for one). */
function fillPath(route: Route, override?: { name: string; raw: string }): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (override?.name === name) return override.raw
    const p = route.op.parameters?.find((x) => x.in === 'path' && x.name === name)
    return encodeURIComponent(String(sample(p?.schema)))
  })
}

/** The query with its required parameters filled, plus `extra`. */
function fillQuery(route: Route, extra: Record<string, string | string[]> = {}): string {
  const q = new URLSearchParams()
  for (const p of route.op.parameters ?? []) {
    if (p.in === 'query' && p.required && !(p.name in extra)) q.set(p.name, String(sample(p.schema)))
  }
  for (const [k, v] of Object.entries(extra)) for (const x of [v].flat()) q.append(k, x)
  const text = q.toString()
  return text ? `?${text}` : ''
}

const jsonSchemaOf = (r: Route) => r.op.requestBody?.content['application/json']?.schema

function cases(route: Route): Case[] {
  const out: Case[] = []
  const params = route.op.parameters ?? []
  // Path parameters: traversal, NUL, invalid UTF-8, huge, CR/LF, quotes, reserved characters.
  const oddPaths = [
    '..',
    '%2e%2e',
    '..%2f..%2fetc%2fpasswd',
    '%00',
    '%ff%fe',
    '%E5%90%8D%E5%89%8D',
    `${'a'.repeat(5000)}`,
    '%0d%0aX-Injected:%201',
    "'%20or%201=1--",
    '%25',
    '%3Cscript%3E',
    '~',
    '%20',
  ]
  for (const p of params.filter((x) => x.in === 'path')) {
    for (const raw of oddPaths) {
      out.push({
        route,
        what: `path ${p.name}=${raw.slice(0, 20)}`,
        path: fillPath(route, { name: p.name, raw }),
        invalid: false,
      })
    }
    const long = tooLong(p.schema)
    if (long)
      out.push({
        route,
        what: `path ${p.name} too long`,
        path: fillPath(route, { name: p.name, raw: long }),
        invalid: true,
      })
  }
  // Query parameters: wrong types, values outside enums and patterns, too long, repeated.
  for (const p of params.filter((x) => x.in === 'query')) {
    const s = resolve(p.schema)
    const types = jsonTypes(s)
    const add = (value: string | string[], invalid: boolean, what = String(value).slice(0, 20)) =>
      out.push({
        route,
        what: `query ${p.name}=${what}`,
        query: fillQuery(route, { [p.name]: value }),
        invalid,
      })
    if (types && (types.has('integer') || types.has('number')) && !types.has('string')) {
      add('abc', true)
      for (const v of ['1.5', '-99999999999999999999', '1e400', '', '0x10', 'NaN', 'Infinity']) add(v, false)
    }
    if (s.enum && types?.size === 1 && types.has('string')) add('no-such-value', true)
    if (types?.has('boolean') && !types.has('string')) add('maybe', false)
    const long = tooLong(s)
    if (long) add(long, true, 'too long')
    if (s.pattern) add('\u0000 not\nmatching', false, 'pattern')
    add('a'.repeat(100_000), false, 'huge')
    add(['1', '2'], false, 'repeated')
    add('%00\u0000\ud800', false, 'nul/lone surrogate')
  }
  // Headers the contract reads.
  for (const p of params.filter((x) => x.in === 'header')) {
    const long = tooLong(p.schema)
    if (long)
      out.push({ route, what: `header ${p.name} too long`, headers: { [p.name]: long }, invalid: true })
    if (resolve(p.schema).pattern) {
      out.push({ route, what: `header ${p.name} off-pattern`, headers: { [p.name]: 'abc' }, invalid: true })
    }
  }
  // JSON bodies.
  const schema = jsonSchemaOf(route)
  if (schema) {
    const json = { 'content-type': 'application/json' }
    const body = (what: string, text: BodyInit, invalid = true, headers: Record<string, string> = json) =>
      out.push({ route, what: `body ${what}`, body: text, headers, invalid })
    for (const bad of ['{', '{"a":1', '[1,', 'nul', '{"a":1}}', "{'a':1}", '\u0000', '{"a":"\\x"}', ''])
      body(`malformed ${JSON.stringify(bad)}`, bad, bad !== '' || route.op.requestBody?.required === true)
    const top = wrongType(schema)
    for (const v of [null, [], 'text', 7, true]) {
      if (!jsonTypes(schema)?.has(typeOf(v))) body(`top-level ${typeOf(v)}`, JSON.stringify(v))
    }
    if (top !== undefined) body('top-level wrong type', JSON.stringify(top))
    const base = sample(schema)
    const s = resolve(schema)
    if (base && typeof base === 'object' && !Array.isArray(base) && s.properties) {
      for (const k of s.required ?? []) {
        const { [k]: _gone, ...rest } = base as Record<string, unknown>
        body(`without required ${k}`, JSON.stringify(rest))
      }
      for (const [k, prop] of Object.entries(s.properties)) {
        const wrong = wrongType(prop)
        if (wrong !== undefined) body(`${k} of a wrong type`, JSON.stringify({ ...base, [k]: wrong }))
        const long = tooLong(prop)
        if (long) body(`${k} too long`, JSON.stringify({ ...base, [k]: long }))
        // Nested objects: each of their fields of a wrong type too.
        const inner = resolve(prop)
        if (inner.properties) {
          const innerBase = (sample(inner) ?? {}) as Record<string, unknown>
          for (const [ik, iprop] of Object.entries(inner.properties)) {
            const w = wrongType(iprop)
            if (w !== undefined) {
              body(`${k}.${ik} of a wrong type`, JSON.stringify({ ...base, [k]: { ...innerBase, [ik]: w } }))
            }
          }
        }
      }
      body(
        '1 MiB strings in every field',
        JSON.stringify(
          Object.fromEntries(Object.keys(s.properties).map((k) => [k, 'z'.repeat(1024 * 1024)])),
        ),
        false,
      )
    }
    body(
      'nested 100000 deep',
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      !jsonTypes(schema)?.has('array'),
    )
    body('declared over the size limit', 'x'.repeat(maxBodyBytes + 1))
    const chunks = Math.ceil((maxBodyBytes + 1) / 65536)
    let sent = 0
    body(
      'streamed over the size limit',
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent++ >= chunks) c.close()
          else c.enqueue(new Uint8Array(65536).fill(0x20))
        },
      }),
    )
    body('as text/plain', JSON.stringify(base), false, { 'content-type': 'text/plain' })
    body('without a content type', JSON.stringify(base), false, {})
  }
  return out
}

const problemCodes = new Set<string>(ErrorCode.options)

/** Sends a case; returns a description of what is wrong with the answer, or undefined. */
async function check(c: Case): Promise<{ status: number; fault?: string }> {
  const url = `${c.path ?? fillPath(c.route)}${c.query ?? fillQuery(c.route)}`
  const init: RequestInit & { duplex?: string } = {
    method: c.route.method,
    headers: { ...bearer(testToken), ...c.headers },
  }
  if (c.body !== undefined) {
    init.body = c.body
    if (c.body instanceof ReadableStream) init.duplex = 'half'
  }
  let res: Response
  try {
    res = await t.app.request(url, init)
  } catch (err) {
    return { status: 0, fault: `threw ${(err as Error).message}` }
  }
  const type = res.headers.get('content-type') ?? ''
  if (res.status < 400) {
    await res.body?.cancel()
    return c.invalid ? { status: res.status, fault: `accepted (${res.status})` } : { status: res.status }
  }
  let body: { code?: string; status?: number; title?: string } | undefined
  try {
    body = (await res.json()) as typeof body
  } catch {
    body = undefined
  }
  if (res.status >= 500) return { status: res.status, fault: `${res.status} ${JSON.stringify(body)}` }
  if (!type.startsWith('application/problem+json'))
    return { status: res.status, fault: `${res.status} as ${type}` }
  if (
    !body ||
    body.status !== res.status ||
    !problemCodes.has(body.code ?? '') ||
    typeof body.title !== 'string'
  ) {
    return { status: res.status, fault: `${res.status}, not a problem: ${JSON.stringify(body)}` }
  }
  return { status: res.status }
}

test('the fuzzed contract: every route, many wrong inputs, 4xx problem+json and never a 5xx', async (tc) => {
  assert.ok(routes.length >= 50, `${routes.length} routes`)
  const faults: string[] = []
  const statuses = new Map<number, number>()
  let total = 0
  for (const route of routes) {
    const all = cases(route)
    for (const c of all) {
      const { status, fault } = await check(c)
      total++
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      if (fault) faults.push(`${label(route)} ${c.what}: ${fault}`)
    }
  }
  tc.diagnostic(`${total} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
  assert.deepEqual(faults, [])
  // The fuzzing reached validation (not only the guards): most answers are EVALIDATION 400s.
  assert.ok(total >= 1000, `${total} cases`)
  assert.ok((statuses.get(400) ?? 0) >= total / 3, 'mostly 400s')
})

test('every route with a JSON body gets malformed, mistyped and oversized bodies', () => {
  const withBody = routes.filter((r) => jsonSchemaOf(r))
  assert.ok(withBody.length >= 15, `${withBody.length} routes with JSON bodies`)
  for (const r of withBody) {
    const whats = cases(r).map((c) => c.what)
    assert.ok(
      whats.some((w) => w.startsWith('body malformed')),
      label(r),
    )
    assert.ok(whats.includes('body streamed over the size limit'), label(r))
    const s = resolve(jsonSchemaOf(r))
    if (s.properties && Object.keys(s.properties).length > 0) {
      assert.ok(
        whats.some((w) => w.endsWith('of a wrong type')),
        `${label(r)} has fields of a wrong type`,
      )
    }
  }
})

test('every route: odd credentials and methods the contract does not list are 4xx problem+json', async () => {
  const faults: string[] = []
  const seen = new Set<number>()
  const credentials = [
    'Bearer',
    'Bearer ',
    'Basic dXNlcjpwYXNz',
    `Bearer ${'t'.repeat(100_000)}`,
    'Bearer \u00e9\u00e8',
    `Bearer ${testToken}x`,
    'bearer',
  ]
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
  for (const route of routes) {
    const path = `${fillPath(route)}${fillQuery(route)}`
    const guarded = route.path.startsWith('/api/') || route.path === '/metrics'
    for (const authorization of guarded ? credentials : []) {
      let res: Response
      try {
        res = await t.app.request(path, { method: route.method, headers: { authorization } })
      } catch (err) {
        faults.push(`${label(route)} with "${authorization.slice(0, 20)}": threw ${(err as Error).message}`)
        continue
      }
      await res.body?.cancel()
      seen.add(res.status)
      // A public route may answer; a guarded one must refuse, and say so as a problem.
      const isPublic = res.status < 400
      if (res.status >= 500)
        faults.push(`${label(route)} with "${authorization.slice(0, 20)}": ${res.status}`)
      else if (!isPublic && !(res.headers.get('content-type') ?? '').startsWith('application/problem+json'))
        faults.push(`${label(route)} with "${authorization.slice(0, 20)}": ${res.status} not a problem`)
    }
    const listed = new Set(Object.keys(doc.paths[route.path] ?? {}).map((m) => m.toUpperCase()))
    for (const method of methods.filter((m) => !listed.has(m))) {
      const res = await t.app.request(path, {
        method,
        headers: { ...bearer(testToken), 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      })
      const type = res.headers.get('content-type') ?? ''
      await res.body?.cancel()
      seen.add(res.status)
      // Paths outside /api (the panel's) may serve the SPA to a GET; nothing may break.
      if (res.status >= 500 || (res.status >= 400 && !type.startsWith('application/problem+json')))
        faults.push(`${method} ${route.path} (not in the contract): ${res.status} ${type}`)
      else if (route.path.startsWith('/api/') && res.status < 400)
        faults.push(`${method} ${route.path} (not in the contract): accepted (${res.status})`)
    }
  }
  assert.deepEqual(faults, [])
  assert.ok(seen.has(401) && seen.has(404), `statuses seen: ${[...seen].join(', ')}`)
})
