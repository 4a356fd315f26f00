import { describe, expect, it } from 'vitest'
import { nextPath } from './login-page.tsx'

describe('nextPath', () => {
  it('returns to a path of the panel, never to another origin', () => {
    expect(nextPath('?next=%2Fcontainers%2Facme')).toBe('/containers/acme')
    expect(nextPath('?next=%2Fjobs%3Fstate%3Dfailed')).toBe('/jobs?state=failed')
    expect(nextPath('')).toBe('/')
    expect(nextPath('?next=%2F%2Fevil.example')).toBe('/')
    expect(nextPath('?next=%2F%5Cevil.example')).toBe('/')
    expect(nextPath('?next=https%3A%2F%2Fevil.example')).toBe('/')
    expect(nextPath('?next=%2F%09%2Fevil.example')).toBe('/')
  })
})
