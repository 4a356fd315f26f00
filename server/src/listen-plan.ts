import { readFileSync } from 'node:fs'
import { isLoopbackHost } from './auth/loopback.ts'
import type { Config } from './config.ts'

export interface ListenPlan {
  /** The key and certificate to serve https with; undefined for plain http (loopback only). */
  tls: { key: Buffer; cert: Buffer } | undefined
}

const refuse = (why: string): never => {
  throw new Error(`refusing to start: ${why}`)
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path)
  } catch (err) {
    return refuse(`cannot read the TLS ${what} ${path}: ${(err as Error).message}`)
  }
}

/**
 * How the gateway may listen. Loopback: plain http is fine (or https if a certificate is set).
 * Beyond loopback: only https with a configured public origin that the host allowlist and the
 * passkeys' RP ID agree with, so remote browsers get a secure context and sessions a Secure cookie.
 */
export function listenPlan(config: Config): ListenPlan {
  if ((config.tlsCert === '') !== (config.tlsKey === '')) {
    refuse('set both server.tls_cert and server.tls_key (ORBIT_TLS_CERT, ORBIT_TLS_KEY), or neither')
  }
  const tls =
    config.tlsCert === ''
      ? undefined
      : { cert: readPem(config.tlsCert, 'certificate'), key: readPem(config.tlsKey, 'key') }
  if (isLoopbackHost(config.host)) return { tls }
  const where = `listening on ${config.host} (beyond loopback)`
  if (!tls)
    refuse(`${where} needs TLS: set server.tls_cert and server.tls_key (ORBIT_TLS_CERT, ORBIT_TLS_KEY)`)
  if (config.publicOrigin === '') {
    refuse(
      `${where} needs server.public_origin (ORBIT_PUBLIC_ORIGIN), e.g. https://orbit.example.com:${config.port}`,
    )
  }
  let origin: URL
  try {
    origin = new URL(config.publicOrigin)
  } catch {
    return refuse(`server.public_origin "${config.publicOrigin}" is not a URL`)
  }
  if (origin.protocol !== 'https:' || origin.origin !== config.publicOrigin.replace(/\/+$/, '')) {
    refuse(`server.public_origin must be an https origin without a path, got "${config.publicOrigin}"`)
  }
  const host = origin.hostname.toLowerCase()
  if (!config.allowedHosts.map((h) => h.toLowerCase()).includes(host)) {
    refuse(`add "${host}" (the public origin's host) to server.allowed_hosts (ORBIT_ALLOWED_HOSTS)`)
  }
  if (host !== config.rpId && !host.endsWith(`.${config.rpId}`)) {
    refuse(
      `auth.rp_id "${config.rpId}" must be "${host}" or a parent domain of it for passkeys to work there`,
    )
  }
  return { tls }
}
