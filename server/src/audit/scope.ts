import { AsyncLocalStorage } from 'node:async_hooks'

/** What one mutating request has written to the audit log so far (see trail.ts). */
export interface AuditScope {
  recorded: number
}

/**
 * The request an audit entry is written for. AuditLog.record counts into it, so the trail
 * middleware knows whether the handler (or its service) wrote the request's entry itself.
 */
export const auditScope = new AsyncLocalStorage<AuditScope>()
