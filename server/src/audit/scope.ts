/**
 * What one mutating request has written to the audit log so far (see trail.ts). It travels on the
 * request's Actor (actorOf), and AuditLog.record counts into it, so the trail middleware knows
 * whether the handler or its service wrote the request's entry itself. (An AsyncLocalStorage would
 * need no plumbing, but on Node 20 it turns on promise hooks for every promise in the process.)
 */
export interface AuditScope {
  recorded: number
}

// Keyed by the request's context: middleware such as bodyLimit replace `c.req.raw` on the way.
const scopes = new WeakMap<object, AuditScope>()

/** Opens the scope of a request (by the trail middleware). */
export function openScope(context: object): AuditScope {
  const scope = { recorded: 0 }
  scopes.set(context, scope)
  return scope
}

/** The scope of a request, when the trail follows it. */
export const scopeOf = (context: object): AuditScope | undefined => scopes.get(context)
