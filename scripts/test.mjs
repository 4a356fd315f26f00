#!/usr/bin/env node
// `npm test` after setup: formatting and lint, types, Rust unit tests, then every TypeScript test
// (unit, e2e against real Wine, browser) with node's test runner. Stops at the first failing stage.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const cargo = process.env.CARGO ?? 'cargo'
const env = {
  ...process.env,
  PATH: `${process.env.PATH}:${join(process.env.HOME ?? '/root', '.cargo', 'bin')}`,
}

function stage(label, cmd, args, cwd = root) {
  console.log(`\n== ${label}`)
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env })
  if (r.status !== 0) {
    console.error(`test: ${label} failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status || 1)
  }
}

/** Every *.test.ts file under the given folders, sorted; SPA unit tests (vitest) live under web/. */
function testFiles(dirs) {
  const found = []
  const visit = (p) => {
    const st = statSync(p, { throwIfNoEntry: false })
    if (!st) return
    if (st.isDirectory()) {
      for (const name of readdirSync(p))
        if (!['node_modules', 'target', 'dist'].includes(name)) visit(join(p, name))
    } else if (p.endsWith('.test.ts')) found.push(relative(root, p))
  }
  for (const d of dirs) visit(join(root, d))
  return found.sort()
}

const bin = (name) => join(root, 'node_modules', '.bin', name)
const only = process.argv.slice(2)

if (only.length === 0) {
  stage('format and lint (biome)', bin('biome'), ['check', '.'])
  stage('types (tsc)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])
  stage('native core (cargo test)', cargo, ['test', '--release', '--quiet'], join(root, 'native'))
  stage('SPA unit tests (vitest)', bin('vitest'), ['run', '--config', 'web/vitest.config.ts'])
}
const files = only.length > 0 ? only : testFiles(['openapi', 'sdk-gen', 'server', 'native', 'test'])
stage('TypeScript tests (node --test)', process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=1',
  '--test-reporter=spec',
  ...files,
])
