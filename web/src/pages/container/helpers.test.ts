import { describe, expect, it } from 'vitest'
import { windowsPath } from './diff-view.tsx'
import { fileNameOf } from './download.tsx'
import { crumbsOf } from './files.tsx'
import { joinOutput } from './output.ts'
import { dataSummary, keyAncestors, textToData } from './registry-data.ts'

describe('joinOutput', () => {
  it('joins the fetched log and the live text at the byte where they meet', () => {
    // "é" is two bytes: offsets are bytes of the log, not characters.
    const log = 'héllo\n'
    expect(joinOutput(log, { text: 'llo\nworld\n', end: 13, truncated: false })).toBe('héllo\nworld\n')
    expect(joinOutput(log, { text: 'é', end: 3, truncated: false })).toBe(log)
    expect(joinOutput(log, { text: 'later\n', end: 30, truncated: false })).toBe('héllo\n\n…\nlater\n')
    expect(joinOutput(undefined, { text: 'tail', end: 9999, truncated: true })).toBe('…\ntail')
    expect(joinOutput(undefined, undefined)).toBe('')
  })
})

describe('registry data', () => {
  it('parses typed data and refuses what does not fit', () => {
    expect(textToData('dword', '0x10')).toEqual({ data: 16 })
    expect(textToData('dword', '4294967296')).toHaveProperty('error')
    expect(textToData('qword', '18446744073709551615')).toEqual({ data: '18446744073709551615' })
    expect(textToData('qword', '18446744073709551616')).toHaveProperty('error')
    expect(textToData('multi_sz', 'a\nb')).toEqual({ data: ['a', 'b'] })
    expect(textToData('binary', '0A 1b,2c')).toEqual({ data: '0a1b2c' })
    expect(textToData('binary', '0a1')).toHaveProperty('error')
    expect(dataSummary({ name: 'x', type: 'dword', data: 255 })).toBe('0x000000ff (255)')
    expect(keyAncestors('HKLM\\Software\\Acme')).toEqual(['HKLM', 'HKLM\\Software', 'HKLM\\Software\\Acme'])
  })
})

describe('paths and names', () => {
  it('shows prefix paths as Windows paths and splits breadcrumbs', () => {
    expect(windowsPath('drive_c/Program Files/Acme/acme.exe')).toBe('C:\\Program Files\\Acme\\acme.exe')
    expect(windowsPath('dosdevices/c:')).toBe('dosdevices/c:')
    expect(crumbsOf('C:\\Program Files\\Acme')).toEqual([
      ['C:', 'C:\\'],
      ['Program Files', 'C:\\Program Files'],
      ['Acme', 'C:\\Program Files\\Acme'],
    ])
    expect(fileNameOf(`attachment; filename="a b.reg"; filename*=UTF-8''a%20b%C3%A9.reg`)).toBe('a bé.reg')
    expect(fileNameOf('attachment; filename="acme.exe"')).toBe('acme.exe')
    expect(fileNameOf(null)).toBeUndefined()
  })
})
