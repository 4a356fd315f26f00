import type { Context, MiddlewareHandler } from 'hono'

/**
 * The CSP the built panel satisfies: its script and style are files from the same origin, it talks
 * only to this origin, and nothing may frame it.
 */
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** What hono/secure-headers sends with the options this gateway used (the test pins the equality). */
export const securityHeaderList: ReadonlyArray<readonly [string, string]> = [
  ['content-security-policy', csp],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=15552000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'DENY'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
]

/**
 * Sets headers so they reach every response without slowing the common one down.
 *
 * Set before `next()`, they are Hono's prepared headers, which every response the context builds
 * (c.json, c.body, c.text, streamSSE, the onError problem) starts from, and @hono/node-server writes
 * such a response straight from its cache. Set after `next()` with `c.header`, Hono rebuilds the
 * response around its body as a stream, which costs most of a small response's throughput. So:
 * before, and after only for a response built elsewhere (a raw `new Response`) that lacks them,
 * straight on its headers when they are mutable, else the slow way.
 */
export async function withHeaders(
  c: Context,
  next: () => Promise<void>,
  headers: ReadonlyArray<readonly [string, string]>,
): Promise<void> {
  for (const [k, v] of headers) c.header(k, v)
  await next()
  const first = headers[0]
  if (!first) return
  const got = c.res.headers
  // Already on it, or the handler wrote the response to the socket itself (the event stream).
  if (got.get(first[0]) === first[1] || got.has('x-hono-already-sent')) return
  try {
    for (const [k, v] of headers) got.set(k, v)
  } catch {
    // Immutable headers (a fetch() response, Response.redirect): Hono copies the response.
    for (const [k, v] of headers) c.header(k, v)
  }
}

/** Security headers on every response. */
export function securityHeaders(): MiddlewareHandler {
  return (c, next) => withHeaders(c, next, securityHeaderList)
}
