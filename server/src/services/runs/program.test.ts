import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { EntryPoint } from '../../../../native/core-api.ts'
import { OrbitError } from '../../errors.ts'
import { resolveProgram, splitWindowsArgs } from './program.ts'

test('shortcut arguments split like CommandLineToArgvW', () => {
  assert.deepEqual(splitWindowsArgs('/a  "b c" d'), ['/a', 'b c', 'd'])
  assert.deepEqual(splitWindowsArgs('"C:\\Program Files\\x" --flag=""'), ['C:\\Program Files\\x', '--flag='])
  assert.deepEqual(splitWindowsArgs('a\\\\"b c"'), ['a\\b c'])
  assert.deepEqual(splitWindowsArgs('a\\"b'), ['a"b'])
  assert.deepEqual(splitWindowsArgs('C:\\dir\\'), ['C:\\dir\\'])
  assert.deepEqual(splitWindowsArgs('   '), [])
})

const app: EntryPoint = {
  name: 'Acme',
  target: 'C:\\Program Files\\Acme\\acme.exe',
  arguments: '--profile "my profile"',
  workingDir: 'C:\\Program Files\\Acme',
  description: null,
  icon: null,
  shortcut: null,
  source: 'shortcut',
}

test('a program is an app name (case-insensitive), a Windows path, or for native anything', () => {
  assert.deepEqual(resolveProgram('wine', 'acme', ['x'], [app]), {
    target: app.target,
    args: ['--profile', 'my profile', 'x'],
    cwd: 'C:\\Program Files\\Acme',
  })
  assert.deepEqual(resolveProgram('wine', 'C:\\windows\\notepad.exe', ['--'], [app]), {
    target: 'C:\\windows\\notepad.exe',
    args: ['--'],
  })
  assert.deepEqual(resolveProgram('native', 'echo', ['hi'], []), { target: 'echo', args: ['hi'] })
  assert.throws(
    () => resolveProgram('wine', 'Nope', [], [app]),
    (e) => e instanceof OrbitError && e.code === 'EVALIDATION' && /its apps: Acme/.test(e.message),
  )
  assert.throws(
    () => resolveProgram('wine', 'acme.exe', [], []),
    (e) => e instanceof OrbitError && e.errors?.[0]?.path === 'program' && /no apps yet/.test(e.message),
  )
})
