import { randomUUID } from 'node:crypto'
import { desc, eq, isNull, sql } from 'drizzle-orm'
import { jwtVerify, SignJWT } from 'jose'
import { roleScopes } from '../../../openapi/roles.ts'
import type { Scope } from '../../../openapi/security.ts'
import type { Db } from '../db/open.ts'
import { apiTokens, users } from '../db/schema.ts'
import type { Principal } from '../middleware/scope-guard.ts'
import type { SigningKey } from './keys.ts'
import { randomSecret, sha256 } from './secrets.ts'

export type ApiTokenRow = typeof apiTokens.$inferSelect

/** The JWT header type of Orbit's API tokens (RFC 8725 §3.11: explicit typing). */
export const tokenType = 'orbit+jwt'
export const tokenAudience = 'urn:orbit:api'
export const tokenIssuer = (installationId: string): string => `urn:orbit:${installationId}`

/** last_used_at is written at most this often per token. */
const touchEveryMs = 60_000

/** How long a checked signature is trusted without checking it again, and how many are kept. */
const signatureCacheMs = 60_000
const signatureCacheSize = 1024

/**
 * Scoped API tokens: EdDSA-signed JWTs (alg pinned, issuer, audience and type checked) whose jti
 * must name a live row on every use: revoking the row ends the token at once, with no cache to wait for.
 *
 * Only the signature check is remembered (for a minute, by the token's hash): it is the costly part
 * and its answer for a given token never changes. The row (revoked, expired, its user disabled or
 * demoted) is read on every use, with a statement prepared once.
 */
export class ApiTokens {
  private readonly issuer: string
  private readonly signatures = new Map<string, { jti: string; checkedAt: number }>()
  private readonly rowByJtiHash

  constructor(
    private readonly db: Db,
    private readonly key: SigningKey,
    installationId: string,
    private readonly now: () => number,
  ) {
    this.issuer = tokenIssuer(installationId)
    this.rowByJtiHash = db
      .select({ token: apiTokens, user: users })
      .from(apiTokens)
      .leftJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.jtiHash, sql.placeholder('jtiHash')))
      .prepare()
  }

  /** Makes a token; the returned `token` is the only time the secret exists outside the caller. */
  async issue(input: {
    name: string
    scopes: Scope[]
    ttlMs: number
    userId: string | null
    subject: string
    createdBy: string
  }): Promise<{ token: string; row: ApiTokenRow }> {
    const jti = randomSecret()
    const now = this.now()
    const row: ApiTokenRow = {
      id: randomUUID(),
      jtiHash: sha256(jti),
      name: input.name,
      scopes: input.scopes,
      userId: input.userId,
      createdBy: input.createdBy,
      createdAt: now,
      expiresAt: now + input.ttlMs,
      lastUsedAt: null,
      revokedAt: null,
    }
    const token = await new SignJWT({ scope: input.scopes.join(' ') })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenType, kid: this.key.kid })
      .setIssuer(this.issuer)
      .setAudience(tokenAudience)
      .setSubject(input.subject)
      .setJti(jti)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(row.expiresAt / 1000))
      .sign(this.key.privateKey)
    this.db.insert(apiTokens).values(row).run()
    return { token, row }
  }

  /** The principal of a valid, unrevoked, unexpired token whose user is enabled; else undefined. */
  async verify(token: string): Promise<Principal | undefined> {
    const jti = await this.signedJti(token)
    if (!jti) return undefined
    const found = this.rowByJtiHash.get({ jtiHash: sha256(jti) })
    const now = this.now()
    if (!found || found.token.revokedAt !== null || found.token.expiresAt <= now) return undefined
    const { token: row, user } = found
    if (row.userId !== null && (!user || user.disabled)) return undefined
    if (row.lastUsedAt === null || now - row.lastUsedAt >= touchEveryMs) {
      this.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id)).run()
    }
    // A token never holds more than its user's role holds now (a demotion narrows old tokens too).
    const held = user ? new Set<string>(roleScopes[user.role]) : undefined
    const scopes = new Set(row.scopes.filter((s) => !held || held.has(s)) as Scope[])
    return {
      subject: `token:${row.id}`,
      scopes,
      via: 'token',
      tokenId: row.id,
      ...(user ? { user: { id: user.id, name: user.name, role: user.role } } : {}),
    }
  }

  /** The jti of a token whose signature and claims check out; remembered briefly (see the class). */
  private async signedJti(token: string): Promise<string | undefined> {
    const key = sha256(token)
    const now = this.now()
    const known = this.signatures.get(key)
    // The row's expiry is checked on every use, so a remembered signature never outlives its token.
    if (known && now - known.checkedAt < signatureCacheMs && now >= known.checkedAt) return known.jti
    let jti: string | undefined
    try {
      const { payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: ['EdDSA'],
        issuer: this.issuer,
        audience: tokenAudience,
        typ: tokenType,
        requiredClaims: ['jti', 'exp', 'iat', 'sub'],
        currentDate: new Date(now),
      })
      jti = payload.jti
    } catch {
      return undefined
    }
    if (!jti) return undefined
    this.signatures.delete(key)
    if (this.signatures.size >= signatureCacheSize) {
      const oldest = this.signatures.keys().next().value
      if (oldest !== undefined) this.signatures.delete(oldest)
    }
    this.signatures.set(key, { jti, checkedAt: now })
    return jti
  }

  /** Every token (`'all'`), or those acting for one user (null: the ones made without a user). */
  list(owner: string | null | 'all'): ApiTokenRow[] {
    const where =
      owner === 'all' ? undefined : owner === null ? isNull(apiTokens.userId) : eq(apiTokens.userId, owner)
    return this.db.select().from(apiTokens).where(where).orderBy(desc(apiTokens.createdAt)).all()
  }

  get(id: string): ApiTokenRow | undefined {
    return this.db.select().from(apiTokens).where(eq(apiTokens.id, id)).get()
  }

  /** Revokes a token (once); the row stays for the record. */
  revoke(id: string): ApiTokenRow | undefined {
    return this.db
      .update(apiTokens)
      .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${this.now()})` })
      .where(eq(apiTokens.id, id))
      .returning()
      .get()
  }
}
