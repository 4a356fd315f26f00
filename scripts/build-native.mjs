#!/usr/bin/env node
// Builds the Rust core (native/) and installs it as native/orbit_core.node, which Node loads.
// Skips cargo entirely when no source is newer than the installed addon, so `npm test` stays fast.
import { spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const nativeDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'native')
const addon = join(nativeDir, 'orbit_core.node')
const built = join(nativeDir, 'target', 'release', 'liborbit_core.so')
// The sandbox runner executable; the core looks for it beside the addon.
const runner = join(nativeDir, 'orbit-sandbox')
const runnerBuilt = join(nativeDir, 'target', 'release', 'orbit-sandbox')
const inputs = ['src', 'Cargo.toml', 'Cargo.lock', join('.cargo', 'config.toml')].map((p) =>
  join(nativeDir, p),
)

function fail(message) {
  console.error(`build-native: ${message}`)
  process.exit(1)
}

/** Newest modification time under `path` (a file or a directory tree); 0 when absent. */
function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs // catches deleted files: removing one touches its directory
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function findCargo() {
  if (process.env.CARGO) return process.env.CARGO
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'cargo'))
  const found = [...onPath, join(homedir(), '.cargo', 'bin', 'cargo')].find(isExecutable)
  if (!found) fail('cargo not found: set CARGO, put cargo on PATH, or install rustup (~/.cargo/bin/cargo)')
  return found
}

const installedAt = existsSync(addon) ? statSync(addon).mtimeMs : 0
if (installedAt > 0 && existsSync(runner) && Math.max(...inputs.map(newestMtime)) <= installedAt) {
  console.log('build-native: native/orbit_core.node is up to date')
  process.exit(0)
}

console.log('build-native: cargo build --release in native/ ...')
const cargo = spawnSync(findCargo(), ['build', '--release'], {
  cwd: nativeDir,
  stdio: ['ignore', 'inherit', 'inherit'],
})
if (cargo.error) fail(`cannot run cargo: ${cargo.error.message}`)
if (cargo.status !== 0)
  fail(`cargo build failed (exit ${cargo.status ?? cargo.signal}); see the errors above`)
if (!existsSync(built)) fail(`cargo succeeded but ${built} is missing`)
if (!existsSync(runnerBuilt)) fail(`cargo succeeded but ${runnerBuilt} is missing`)

/** Copy beside, then rename: a process loading the file never sees it half-written. */
function install(from, to) {
  const temp = `${to}.${process.pid}.tmp`
  try {
    copyFileSync(from, temp)
    renameSync(temp, to)
  } catch (error) {
    rmSync(temp, { force: true })
    fail(`cannot install ${to}: ${error instanceof Error ? error.message : String(error)}`)
  }
}
install(runnerBuilt, runner)
install(built, addon)
