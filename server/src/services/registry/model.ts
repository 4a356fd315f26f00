import type { KeyInfo, RegValue } from '../../../../native/core-api.ts'
import type { RegistryKey, RegistryValue } from '../../../../openapi/registry.ts'
import { coreCode, fromCoreError, OrbitError } from '../../errors.ts'

export const toRegistryValue = (v: RegValue): RegistryValue => ({
  name: v.name,
  type: v.type,
  data: v.data,
  ...(v.raw_type === undefined ? {} : { raw_type: v.raw_type }),
})

export const toRegistryKey = (k: KeyInfo): RegistryKey => ({
  path: k.path,
  subkeys: k.subkeys,
  values: k.values.map(toRegistryValue),
  modified: k.modified === null ? null : new Date(k.modified * 1000).toISOString(),
})

/**
 * Runs a core registry call with its errors in the API's vocabulary: a .reg file or value that
 * does not parse is the caller's mistake (400), a missing key or value 404, ERUNNING 409.
 */
export async function registryCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (coreCode(err) === 'EBADREG' && err instanceof Error) {
      throw new OrbitError('EVALIDATION', err.message, [{ path: '(body)', message: err.message }])
    }
    throw fromCoreError(err) ?? err
  }
}

/** A file name for a key's export: `HKLM\Software\Acme` -> `HKLM-Software-Acme.reg`. */
export function exportFileName(key: string): string {
  const base = key
    .split(/[\\/]+/)
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 120)
  return `${base || 'registry'}.reg`
}
