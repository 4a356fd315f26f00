import type { Context } from 'hono'

/** The peer's address when served by node-server; undefined for a pure fetch call. */
export function remoteAddress(c: Pick<Context, 'env'>): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
  return incoming?.socket?.remoteAddress
}
