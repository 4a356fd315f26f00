import type { Context } from 'hono'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { remoteAddress } from '../net.ts'
import type { Actor } from './log.ts'
import { scopeOf } from './scope.ts'

/** The actor of a request: its principal and peer address. */
export function actorOf(c: Context<AuthEnv>): Actor {
  return {
    subject: c.get('principal')?.subject ?? 'anonymous',
    ip: remoteAddress(c),
    trail: scopeOf(c),
  }
}
