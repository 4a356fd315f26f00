import { describe, expect, it, vi } from 'vitest'
import { OrbitApiError } from '../../lib/api.ts'
import { withStepUp } from './step-up.ts'

const confirmed = vi.fn(async () => {})
vi.mock('./step-up-ceremony.ts', () => ({ confirmWithPasskey: () => confirmed() }))

const refusal = (code: 'ESTEP_UP' | 'EFORBIDDEN') =>
  new OrbitApiError(
    403,
    { type: 'x', title: 'Forbidden', status: 403, code, detail: 'confirm first' },
    'confirm first',
  )

describe('withStepUp', () => {
  it('confirms with a passkey on ESTEP_UP and tries once more', async () => {
    let calls = 0
    const result = await withStepUp(async () => {
      calls++
      if (calls === 1) throw refusal('ESTEP_UP')
      return 'done'
    })
    expect(result).toBe('done')
    expect(calls).toBe(2)
    expect(confirmed).toHaveBeenCalledTimes(1)
  })

  it('passes other refusals through without a ceremony', async () => {
    confirmed.mockClear()
    await expect(withStepUp(async () => Promise.reject(refusal('EFORBIDDEN')))).rejects.toThrow(
      'confirm first',
    )
    expect(confirmed).not.toHaveBeenCalled()
  })
})
