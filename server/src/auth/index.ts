import type { Config } from '../config.ts'
import type { Db } from '../db/open.ts'
import { ApiTokens } from './api-tokens.ts'
import { Challenges } from './challenges.ts'
import { Enrollments } from './enrollments.ts'
import { loadSigningKey } from './keys.ts'
import { Passkeys } from './passkeys.ts'
import { FailureLimiter } from './rate-limit.ts'
import { Sessions } from './sessions.ts'
import { Users } from './users.ts'
import type { RelyingParty } from './webauthn.ts'

/** Users, their passkeys and sessions, API tokens, ceremonies and the failure brake, over one db. */
export interface Auth {
  users: Users
  passkeys: Passkeys
  tokens: ApiTokens
  sessions: Sessions
  challenges: Challenges
  enrollments: Enrollments
  limiter: FailureLimiter
  now: () => number
  /** Runs `fn` in one immediate SQLite transaction (every store shares the connection). */
  transaction<T>(fn: () => T): T
  /** The RP ID and the origins passkey ceremonies may come from, as configured now. */
  relyingParty(): RelyingParty
  /** Tells the auth layer the port it really listens on (port 0 picks one) and whether it is https. */
  listening(port: number, tls: boolean): void
}

/** http://host:port, without the port when it is the scheme's default. */
export function originOf(scheme: 'http' | 'https', host: string, port: number): string {
  const defaultPort = scheme === 'https' ? 443 : 80
  return `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}`
}

export async function createAuth(options: {
  db: Db
  config: Config
  installationId: string
  now?: () => number
}): Promise<Auth> {
  const { db, config } = options
  const now = options.now ?? Date.now
  const key = await loadSigningKey(config.dataDir)
  let port = config.port
  let tls = config.tlsCert !== '' && config.tlsKey !== ''
  return {
    users: new Users(db, now),
    passkeys: new Passkeys(db, now),
    tokens: new ApiTokens(db, key, options.installationId, now),
    sessions: new Sessions(
      db,
      () => ({ idleMs: config.sessionIdleMinutes * 60_000, maxMs: config.sessionMaxHours * 3_600_000 }),
      now,
    ),
    challenges: new Challenges(db, now),
    enrollments: new Enrollments(db, now),
    limiter: new FailureLimiter(() => config.authFailuresPerMinute, now),
    now,
    transaction: (fn) => db.transaction(() => fn(), { behavior: 'immediate' }),
    relyingParty() {
      const origins =
        config.authOrigins.length > 0
          ? config.authOrigins
          : config.publicOrigin !== ''
            ? [config.publicOrigin]
            : [originOf(tls ? 'https' : 'http', config.rpId, port)]
      return { rpId: config.rpId, rpName: 'Orbit', origins: origins.map((o) => o.replace(/\/+$/, '')) }
    },
    listening(p, t) {
      port = p
      tls = t
    },
  }
}
