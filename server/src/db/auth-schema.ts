import { blob, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const userRoles = ['admin', 'operator', 'viewer'] as const

/** People who sign in with passkeys; a role decides their scopes (openapi/roles.ts). */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: userRoles }).notNull(),
    createdAt: integer('created_at').notNull(),
    /** A disabled user's sessions, tokens and passkeys stop working at once. */
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('users_name').on(t.name)],
)

/** WebAuthn credentials: several per user, each named. */
export const passkeys = sqliteTable(
  'passkeys',
  {
    /** The credential id, base64url. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** COSE public key. */
    publicKey: blob('public_key', { mode: 'buffer' }).notNull(),
    /** The authenticator's signature counter as last seen; a lower one later means a cloned key. */
    counter: integer('counter').notNull(),
    transports: text('transports', { mode: 'json' }).$type<string[]>().notNull(),
    deviceType: text('device_type').notNull(),
    backedUp: integer('backed_up', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
  },
  (t) => [index('passkeys_user').on(t.userId)],
)

/**
 * Scoped API tokens. The token itself (a signed JWT) is shown once and never stored: the row holds
 * the SHA-256 of its jti, which the verifier looks up on every use, so revocation is immediate.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    jtiHash: text('jti_hash').notNull(),
    name: text('name').notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    /** The user it acts for; null for tokens made with the bootstrap admin token. */
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The principal that made it (user:<name>, admin-token...). */
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_tokens_jti_hash').on(t.jtiHash), index('api_tokens_user').on(t.userId)],
)

/** Browser sessions after a passkey sign-in; the cookie's random id is stored only as a hash. */
export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    /** The absolute end, however active the session is. */
    maxExpiresAt: integer('max_expires_at').notNull(),
    /** When the user last proved presence with a passkey (sign-in or step-up). */
    stepUpAt: integer('step_up_at').notNull(),
    ip: text('ip'),
  },
  (t) => [index('sessions_user').on(t.userId)],
)

export const challengePurposes = ['register', 'login', 'step-up'] as const

/** WebAuthn challenges, single use: a ceremony's verify step deletes its row before checking. */
export const webauthnChallenges = sqliteTable('webauthn_challenges', {
  id: text('id').primaryKey(),
  purpose: text('purpose', { enum: challengePurposes }).notNull(),
  challenge: text('challenge').notNull(),
  /** What the ceremony is for: the user, the enrollment, the session... (JSON). */
  context: text('context', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  expiresAt: integer('expires_at').notNull(),
})

/**
 * One-time links to register a first passkey: the first-run setup link (role admin) and the
 * invitations admins make. Only the SHA-256 of the link's secret is stored.
 */
export const enrollments = sqliteTable(
  'enrollments',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    kind: text('kind', { enum: ['setup', 'invite'] }).notNull(),
    role: text('role', { enum: userRoles }).notNull(),
    /** The invited user's name; null lets the setup page ask for it. */
    name: text('name'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [uniqueIndex('enrollments_token_hash').on(t.tokenHash)],
)
