/**
 * The bootstrap admin token, for automation only and only when asked for: ORBIT_ADMIN_TOKEN. Without
 * it there is no shared secret at all; people sign in with passkeys and tools use API tokens.
 */
export function bootstrapAdminToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ORBIT_ADMIN_TOKEN ? env.ORBIT_ADMIN_TOKEN : undefined
}
