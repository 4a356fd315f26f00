import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'

/** Over https the cookie takes the __Host- prefix: Secure, Path=/, no Domain, enforced by browsers. */
const cookieName = (secure: boolean): string => (secure ? '__Host-orbit_session' : 'orbit_session')
const isHttps = (c: Context): boolean => new URL(c.req.url).protocol === 'https:'

/** The session id the request's cookie carries. */
export const sessionCookie = (c: Context): string | undefined => getCookie(c, cookieName(isHttps(c)))

/**
 * Sets the session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Secure over https. No Max-Age: the server ends the session, the browser forgets it on exit.
 */
export function setSessionCookie(c: Context, id: string): void {
  const secure = isHttps(c)
  setCookie(c, cookieName(secure), id, { httpOnly: true, sameSite: 'Strict', secure, path: '/' })
}

export function clearSessionCookie(c: Context): void {
  const secure = isHttps(c)
  deleteCookie(c, cookieName(secure), { path: '/', secure, httpOnly: true, sameSite: 'Strict' })
}
