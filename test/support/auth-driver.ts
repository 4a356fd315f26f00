// Drives the gateway's passkey ceremonies and session like a browser would, over app.request():
// it keeps the session cookie, sends the CSRF token on unsafe methods, and lets a test bend the
// authenticator's answers (see soft-authenticator.ts).
import type { Bend, SoftAuthenticator } from './soft-authenticator.ts'

type Json = Record<string, unknown>
type Fetcher = { request(path: string, init?: RequestInit, env?: unknown): Response | Promise<Response> }

export class BrowserLike {
  cookie: string | undefined
  csrf: string | undefined
  /** Set-Cookie of the last response that had one. */
  lastSetCookie: string | undefined

  constructor(
    private readonly app: Fetcher,
    /** Pretend to be this peer (remote when not loopback); undefined: an in-process caller. */
    private readonly peer?: string,
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.cookie && !headers.has('cookie')) headers.set('cookie', this.cookie)
    const method = (init.method ?? 'GET').toUpperCase()
    if (this.csrf && method !== 'GET' && !headers.has('x-csrf-token')) headers.set('x-csrf-token', this.csrf)
    if (init.body !== undefined && !headers.has('content-type'))
      headers.set('content-type', 'application/json')
    const env = this.peer ? { incoming: { socket: { remoteAddress: this.peer } } } : undefined
    if (env) headers.set('host', 'localhost')
    const res = await this.app.request(`http://localhost${path}`, { ...init, headers }, env)
    const set = res.headers.get('set-cookie')
    if (set) {
      this.lastSetCookie = set
      const pair = set.split(';')[0] ?? ''
      this.cookie = /=$/.test(pair) || /Max-Age=0/i.test(set) ? undefined : pair
    }
    return res
  }

  post(path: string, body: unknown = {}, init: RequestInit = {}): Promise<Response> {
    return this.request(path, { ...init, method: 'POST', body: JSON.stringify(body) })
  }

  /** Remembers a session's CSRF token from a SessionInfo answer. */
  private async signedIn(res: Response): Promise<Response> {
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrfToken: string }).csrfToken
    return res
  }

  /** Registers a first passkey with a setup or invitation link's secret. */
  async enroll(
    token: string,
    authn: SoftAuthenticator,
    bend: Bend = {},
    userName?: string,
  ): Promise<Response> {
    const start = await this.post('/api/auth/enroll/options', { token, ...(userName ? { userName } : {}) })
    if (!start.ok) return start
    const { ceremonyId, options } = (await start.json()) as { ceremonyId: string; options: Json }
    const credential = authn.register(options, bend)
    return this.signedIn(
      await this.post('/api/auth/enroll/verify', { ceremonyId, credential, passkeyName: 'soft' }),
    )
  }

  /** Starts a sign-in; returns the ceremony and the authenticator's answer without sending it. */
  async loginAnswer(authn: SoftAuthenticator, bend: Bend = {}, which = 0) {
    const start = await this.post('/api/auth/login/options')
    const { ceremonyId, options } = (await start.json()) as { ceremonyId: string; options: Json }
    return { ceremonyId, credential: authn.assert(options, bend, which) }
  }

  async finishLogin(answer: { ceremonyId: string; credential: Json }): Promise<Response> {
    return this.signedIn(await this.post('/api/auth/login/verify', answer))
  }

  async login(authn: SoftAuthenticator, bend: Bend = {}, which = 0): Promise<Response> {
    return this.finishLogin(await this.loginAnswer(authn, bend, which))
  }

  async stepUp(authn: SoftAuthenticator, bend: Bend = {}): Promise<Response> {
    const start = await this.post('/api/auth/step-up/options')
    if (!start.ok) return start
    const { ceremonyId, options } = (await start.json()) as { ceremonyId: string; options: Json }
    return this.post('/api/auth/step-up/verify', { ceremonyId, credential: authn.assert(options, bend) })
  }
}
