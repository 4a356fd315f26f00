// Renders the OpenAPI document as one self-contained HTML page: no scripts, no CDN, works offline.

type Json = Record<string, unknown>
const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

function schemaText(schema: unknown): string {
  const s = (schema ?? {}) as Json
  if (typeof s.$ref === 'string') return s.$ref.replace('#/components/schemas/', '')
  if (s.type === 'array') return `${schemaText(s.items)}[]`
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ')
  if (Array.isArray(s.anyOf)) return s.anyOf.map(schemaText).join(' | ')
  return String(s.type ?? 'object')
}

function operation(method: string, path: string, op: Json): string {
  const security = (op.security as Array<Record<string, string[]>> | undefined) ?? []
  // A route lists its scope once per scheme (token or session); show each scope once.
  const scope = [...new Set(security.flatMap((r) => Object.values(r).flat()))].join(', ') || 'public'
  const params = ((op.parameters as Json[] | undefined) ?? [])
    .map(
      (p) =>
        `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}): ${esc(schemaText(p.schema))}</li>`,
    )
    .join('')
  const body = op.requestBody as Json | undefined
  const bodyContent = (body?.content ?? {}) as Record<string, Json>
  const bodies = Object.entries(bodyContent)
    .map(([type, c]) => `<li>body <code>${esc(type)}</code>: ${esc(schemaText(c.schema))}</li>`)
    .join('')
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
    .map(([status, r]) => {
      const content = Object.entries((r.content ?? {}) as Record<string, Json>)
        .map(([type, c]) => `<code>${esc(type)}</code> ${esc(schemaText(c.schema))}`)
        .join(', ')
      return `<li><b>${esc(status)}</b> ${esc(r.description)}${content ? ` — ${content}` : ''}</li>`
    })
    .join('')
  return `<section class="op" id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}</p><p class="scope">scope: <code>${esc(scope)}</code></p>
${params || bodies ? `<ul>${params}${bodies}</ul>` : ''}<ul class="responses">${responses}</ul></section>`
}

function schemaSection(name: string, schema: Json): string {
  const props = Object.entries((schema.properties ?? {}) as Record<string, Json>)
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const rows = props
    .map(
      ([k, v]) =>
        `<tr><td><code>${esc(k)}</code>${required.has(k) ? '' : '?'}</td><td>${esc(schemaText(v))}</td><td>${esc(v.description)}</td></tr>`,
    )
    .join('')
  const body = rows ? `<table>${rows}</table>` : `<p>${esc(schemaText(schema))}</p>`
  return `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${body}</section>`
}

/** The HTML API reference for an OpenAPI document. */
export function renderApiDocs(doc: Json): string {
  const info = (doc.info ?? {}) as Json
  const ops = Object.entries((doc.paths ?? {}) as Record<string, Record<string, Json>>).flatMap(
    ([path, item]) => Object.entries(item).map(([method, op]) => operation(method, path, op)),
  )
  const auth = Object.entries(
    ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Record<string, Json>,
  )
    .map(([name, scheme]) => `<h3>${esc(name)}</h3><p class="pre">${esc(scheme.description)}</p>`)
    .join('\n')
  const schemas = Object.entries(
    ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>,
  )
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)} reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1.5rem;color:#1c2430}
.op{border:1px solid #dde3ea;border-radius:8px;padding:.25rem 1rem;margin:1rem 0}
.m{font-size:.8em;padding:.1rem .4rem;border-radius:4px;background:#e8eef6}.scope{color:#5a6575}
table{border-collapse:collapse}.pre{white-space:pre-line}td{border-top:1px solid #eee;padding:.2rem .8rem .2rem 0;vertical-align:top}
</style></head><body><h1>${esc(info.title)} ${esc(info.version)}</h1><p>${esc(info.description)}</p>
<p>The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<h2>Authentication</h2>${auth}
<h2>Routes</h2>${ops.join('\n')}<h2>Schemas</h2>${schemas.map(([n, s]) => schemaSection(n, s)).join('\n')}
</body></html>`
}
