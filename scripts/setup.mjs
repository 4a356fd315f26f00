#!/usr/bin/env node
// One setup for `npm start` and `npm test`: Debian packages, npm dependencies, then every build
// (native core, Win32 fixtures, generated client check, web panel). Quick when nothing is missing.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync, utimesSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { aptLine, debianPackages, missingPackages } from './lib/debian.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const step = (msg) => console.log(`setup: ${msg}`)

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
  if (r.status !== 0) {
    console.error(`setup: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal})`)
    process.exit(1)
  }
}

function commandExists(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

// 1. Debian packages (and a Rust toolchain if the machine has none).
const wanted = [...debianPackages]
const cargoHome = join(process.env.HOME ?? '/root', '.cargo', 'bin')
if (!commandExists('cargo') && !existsSync(join(cargoHome, 'cargo'))) wanted.push('cargo', 'rustc')
const missing = missingPackages(wanted)
if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(`setup: Orbit needs these Debian packages: ${missing.join(' ')}`)
    console.error('setup: run this as root, then run the command again:')
    console.error(`  apt-get update && ${aptLine(missing)}`)
    process.exit(1)
  }
  step(`installing Debian packages: ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  run('apt-get', ['update'], { env })
  run('sh', ['-c', aptLine(missing)], { env })
}

// 2. npm dependencies, when the lock file changed since the last install.
const lock = join(root, 'package-lock.json')
const installed = join(root, 'node_modules', '.package-lock.json')
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  step('installing npm dependencies')
  // Not `npm ci`: the registry here lacks some of Biome's optional per-platform packages, which
  // `npm ci` refuses as an out-of-sync lock; `npm install` skips them and leaves the lock as it is.
  run('npm', ['install', '--no-audit', '--no-fund'])
  // npm leaves its marker untouched when nothing changed; touch it so the next setup skips this step.
  const now = new Date()
  utimesSync(installed, now, now)
}

// 3. Builds, each quick when up to date.
run(process.execPath, [join(root, 'scripts', 'build.mjs')])
step('ready')
