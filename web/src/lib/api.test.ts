import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { fakeGateway, origin } from '../test/fake-gateway.ts'
import { call, createPanelClient, errorMessage, OrbitApiError } from './api.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

function setup(csrf = 'csrf-123') {
  const gw = fakeGateway()
  server.use(...gw.handlers)
  const onUnauthorized = vi.fn()
  const client = createPanelClient({ baseUrl: origin, csrf: () => csrf || undefined, onUnauthorized })
  return { gw, client, onUnauthorized }
}

describe('the panel client', () => {
  it('sends the session CSRF token on unsafe methods only', async () => {
    const { gw, client } = setup()
    await call(client.GET('/api/containers'))
    expect(gw.csrfSeen).toEqual([])
    const made = await call(
      client.POST('/api/containers', { body: { name: 'acme', runtime: 'wine', network: 'none' } }),
    )
    expect('name' in made && made.name).toBe('acme')
    expect(gw.csrfSeen).toEqual(['csrf-123'])
  })

  it('without the CSRF token the gateway refuses and the error carries its detail and code', async () => {
    const { client } = setup('')
    const err = await call(
      client.POST('/api/containers', { body: { name: 'acme', runtime: 'wine', network: 'none' } }),
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OrbitApiError)
    expect((err as OrbitApiError).code).toBe('ECSRF')
    expect((err as OrbitApiError).status).toBe(403)
    expect((err as OrbitApiError).message).toBe('this request needs the X-CSRF-Token header of your session')
  })

  it('a problem without detail surfaces its title; validation errors name their fields', async () => {
    const { gw, client } = setup()
    gw.containers.push((await import('../test/fake-gateway.ts')).makeContainer('taken'))
    const conflict = await call(
      client.POST('/api/containers', { body: { name: 'taken', runtime: 'wine', network: 'none' } }),
    ).catch((e: unknown) => e)
    expect(errorMessage(conflict)).toBe('a container named taken exists')
    const titled = new OrbitApiError(
      500,
      { type: 'x', title: 'Internal error', status: 500, code: 'EINTERNAL' },
      'HTTP 500',
    )
    expect(errorMessage(titled)).toBe('Internal error')
    const fields = new OrbitApiError(
      400,
      {
        type: 'x',
        title: 'Invalid request',
        status: 400,
        code: 'EVALIDATION',
        errors: [{ path: 'name', message: 'no "/"' }],
      },
      'HTTP 400',
    )
    expect(errorMessage(fields)).toBe('Invalid request (name: no "/")')
  })

  it('a 401 calls the unauthorized hook once, and ceremony 401s do not', async () => {
    const { gw, client, onUnauthorized } = setup()
    gw.session = null
    await expect(call(client.GET('/api/containers'))).rejects.toMatchObject({
      status: 401,
      code: 'EUNAUTHENTICATED',
    })
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    const { http, HttpResponse } = await import('msw')
    server.use(
      http.post(`${origin}/api/auth/login/verify`, () =>
        HttpResponse.json({ type: 'x', title: 'no', status: 401, code: 'EUNAUTHENTICATED' }, { status: 401 }),
      ),
    )
    await expect(
      call(
        client.POST('/api/auth/login/verify', {
          body: {
            ceremonyId: 'c',
            credential: { id: 'a', rawId: 'a', type: 'public-key', response: {}, clientExtensionResults: {} },
          },
        }),
      ),
    ).rejects.toBeInstanceOf(OrbitApiError)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('a gateway that cannot be reached is ENETWORK with a clear message', async () => {
    const client = createPanelClient({
      baseUrl: origin,
      csrf: () => undefined,
      onUnauthorized: () => {},
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    })
    const err = (await call(client.GET('/api/containers')).catch((e: unknown) => e)) as OrbitApiError
    expect(err.code).toBe('ENETWORK')
    expect(err.message).toMatch(/cannot be reached/)
  })
})
