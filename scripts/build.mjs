#!/usr/bin/env node
// Builds everything that is stale: the native core, the Win32 fixtures and the web panel.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isStale } from './lib/fresh.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))

function run(label, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) {
    console.error(`build: ${label} failed (exit ${r.status ?? r.signal})`)
    process.exit(1)
  }
}

run('native core', process.execPath, [join(root, 'scripts', 'build-native.mjs')])
run('Win32 fixtures', process.execPath, [join(root, 'scripts', 'build-fixtures.mjs')])

const webInputs = ['web/src', 'web/index.html', 'web/vite.config.ts', 'sdk-gen', 'package-lock.json'].map(
  (p) => join(root, p),
)
if (isStale(join(root, 'web', 'dist', 'index.html'), webInputs)) {
  console.log('build: web panel')
  run('web panel', process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web'])
}
