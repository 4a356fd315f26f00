const loopbackHosts = new Set(['127.0.0.1', '::1', 'localhost'])

/**
 * A peer is remote unless its socket address is loopback. No peer at all means the app was called
 * in-process (app.request), which is local by construction.
 */
export const isRemotePeer = (peer: string | undefined): boolean =>
  peer !== undefined && peer !== '::1' && !/^(::ffff:)?127\./.test(peer)

/** The gateway listens only on loopback. */
export const isLoopbackHost = (host: string): boolean => loopbackHosts.has(host)
