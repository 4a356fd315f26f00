import type { Schemas } from '../../lib/api.ts'

export type RegistryValue = Schemas['RegistryValue']
export type RegistryType = RegistryValue['type']

/** The types a person can write; `hex` is any other type, named by its number (rawTypeOf). */
export const editableTypes: RegistryType[] = [
  'sz',
  'expand_sz',
  'multi_sz',
  'dword',
  'qword',
  'binary',
  'none',
  'hex',
]

export const typeNames: Record<RegistryType, string> = {
  sz: 'REG_SZ',
  expand_sz: 'REG_EXPAND_SZ',
  multi_sz: 'REG_MULTI_SZ',
  dword: 'REG_DWORD',
  qword: 'REG_QWORD',
  binary: 'REG_BINARY',
  none: 'REG_NONE',
  hex: 'Other (by type number)',
}

/** A value's data as the editor shows it: strings of a multi_sz one per line. */
export function dataToText(v: RegistryValue): string {
  if (Array.isArray(v.data)) return v.data.join('\n')
  return String(v.data)
}

/** A value's data in one line, for the values table. */
export function dataSummary(v: RegistryValue): string {
  if (Array.isArray(v.data)) return v.data.map((s) => JSON.stringify(s)).join(' ')
  if (v.type === 'dword' && typeof v.data === 'number')
    return `0x${v.data.toString(16).padStart(8, '0')} (${v.data})`
  return String(v.data)
}

/** The editor's text as the contract's data for a type, or what is wrong with it. */
export function textToData(
  type: RegistryType,
  text: string,
): { data: string | number | string[] } | { error: string } {
  switch (type) {
    case 'sz':
    case 'expand_sz':
      return { data: text }
    case 'multi_sz':
      return { data: text === '' ? [] : text.split(/\r?\n/) }
    case 'dword': {
      const n = parseInteger(text)
      if (n === undefined || n < 0 || n > 0xffffffff)
        return { error: 'a DWORD is a number from 0 to 4294967295 (or 0x…)' }
      return { data: n }
    }
    case 'qword': {
      const t = text.trim()
      if (/^\d+$/.test(t)) {
        const big = BigInt(t)
        if (big > 0xffffffffffffffffn) return { error: 'a QWORD is at most 18446744073709551615' }
        return { data: big > BigInt(Number.MAX_SAFE_INTEGER) ? t : Number(t) }
      }
      const n = parseInteger(t)
      if (n === undefined || n < 0) return { error: 'a QWORD is a whole number from 0' }
      return { data: n }
    }
    case 'binary':
    case 'none':
    case 'hex': {
      const hex = text.replace(/[\s,]/g, '').toLowerCase()
      if (!/^([0-9a-f]{2})*$/.test(hex)) return { error: 'bytes as hex pairs, e.g. 0a 1b 2c' }
      return { data: hex }
    }
  }
}

/** The Windows type number of a `hex` value ("0x20000000", "8"), or what is wrong with it. */
export function rawTypeOf(text: string): { rawType: number } | { error: string } {
  const n = parseInteger(text)
  if (n === undefined || n > 0xffffffff) return { error: 'a type number from 0 to 4294967295 (or 0x…)' }
  return { rawType: n }
}

function parseInteger(text: string): number | undefined {
  const t = text.trim()
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16)
  if (/^\d+$/.test(t)) return Number(t)
  return undefined
}

/** `HKLM\Software\Acme` → ['HKLM', 'HKLM\Software', 'HKLM\Software\Acme'] (for breadcrumbs). */
export function keyAncestors(path: string): string[] {
  const parts = path.split('\\').filter((p) => p !== '')
  return parts.map((_, i) => parts.slice(0, i + 1).join('\\'))
}
