import type { MiddlewareHandler } from 'hono'
import { OrbitError } from '../errors.ts'

const loopbackNames = ['127.0.0.1', 'localhost', '[::1]']
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The host name of a Host header value ("name:port", "[v6]:port"), lower-cased; '' when malformed. */
export function hostName(host: string): string {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host.trim())
  return m?.[1] ? m[1].toLowerCase() : ''
}

/**
 * Refuses requests whose Host is not ours (DNS rebinding: a hostile page on evil.example resolved to
 * 127.0.0.1 still sends `Host: evil.example`), and unsafe requests whose Origin is not exactly this
 * gateway's (SameSite ignores ports, so another localhost port must be refused here).
 */
export function hostAndOrigin(options: { allowedHosts: () => string[] }): MiddlewareHandler {
  // Rebuilt only when a reload swaps the list, so the check stays a Set lookup.
  let source: string[] | undefined
  let allowed = new Set<string>()
  return async function hostAndOriginMiddleware(c, next) {
    const current = options.allowedHosts()
    if (current !== source) {
      source = current
      allowed = new Set([...loopbackNames, ...current.map((h) => h.toLowerCase())])
    }
    // Over real HTTP (node-server sets env.incoming) the Host header must be there; a pure fetch
    // caller such as app.request() has only the URL, whose host then stands for it.
    const overHttp = typeof c.env === 'object' && c.env !== null && 'incoming' in c.env
    const host = c.req.header('host') ?? (overHttp ? '' : new URL(c.req.url).host)
    const name = hostName(host)
    if (!name || !allowed.has(name)) {
      throw new OrbitError('EBAD_HOST', `this gateway does not answer to the host "${host}"`)
    }
    if (unsafeMethods.has(c.req.method)) {
      const origin = c.req.header('origin')
      const site = c.req.header('sec-fetch-site')
      const ours = `${new URL(c.req.url).protocol}//${host.toLowerCase()}`
      if (
        (origin !== undefined && origin.toLowerCase() !== ours) ||
        site === 'cross-site' ||
        site === 'same-site'
      ) {
        throw new OrbitError('EBAD_ORIGIN', `requests from ${origin ?? 'another site'} are not accepted`)
      }
    }
    return next()
  }
}
