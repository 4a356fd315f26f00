import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../config.ts'
import { OrbitError } from '../../errors.ts'

/** What the sandbox maps in for a display: the X server's socket and its cookie (native/sandbox.ts). */
export interface X11Display {
  number: number
  socket: string
  xauthority: string | null
}

type Env = Record<string, string | undefined>

/**
 * The X11 display a container with display "host" shows its windows on: the configured one, else
 * the gateway's own DISPLAY. Only a local server is supported (":N", ":N.S", "unix:N"): the
 * sandbox sees the host through its socket file, never over TCP (a container with network none
 * has no network to reach one by). Refused with a message that says what to set when there is none.
 */
export function hostDisplay(
  config: Pick<Config, 'display' | 'xauthority'>,
  env: Env = process.env,
): X11Display {
  const name = config.display || env.DISPLAY || ''
  const where = config.display ? '[display] x11 in orbit.toml' : 'the gateway’s DISPLAY'
  if (!name)
    throw new OrbitError(
      'ECONFLICT',
      'this container shows windows on the host display, but the gateway has none: set [display] x11 ' +
        'in orbit.toml (or ORBIT_DISPLAY), or start the gateway with DISPLAY, or set the display to none',
    )
  const m = /^(?:unix)?:(\d{1,5})(?:\.\d+)?$/.exec(name)
  if (!m)
    throw new OrbitError(
      'ECONFLICT',
      `${where} is ${JSON.stringify(name)}: only a local X server (":0") can be mapped into a container`,
    )
  const number = Number(m[1])
  const socket = `/tmp/.X11-unix/X${number}`
  let isSocket = false
  try {
    isSocket = statSync(socket).isSocket()
  } catch {}
  if (!isSocket)
    throw new OrbitError('ECONFLICT', `no X server listens on display :${number} (${socket} is not a socket)`)
  const cookie = config.xauthority || env.XAUTHORITY || join(homedir(), '.Xauthority')
  return { number, socket, xauthority: existsSync(cookie) ? cookie : null }
}
