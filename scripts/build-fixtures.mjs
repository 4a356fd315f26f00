#!/usr/bin/env node
// Builds the Win32 test fixtures (test/fixtures/*.c) with mingw-w64 into test/fixtures/build/.
// Each output is rebuilt only when one of its inputs is newer, so a run with nothing changed is
// just a few stat calls. Tests import `fixturePath` / `buildFixtures` instead of guessing paths.
import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isStale } from './lib/fresh.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const src = join(root, 'test', 'fixtures')
export const fixturesBuildDir = join(src, 'build')
const objDir = join(fixturesBuildDir, 'obj')
const self = fileURLToPath(import.meta.url)

const CC = 'x86_64-w64-mingw32-gcc'
const WINDRES = 'x86_64-w64-mingw32-windres'
const WIXL = 'wixl'
const TOOL_PACKAGES = { [CC]: 'gcc-mingw-w64-x86-64', [WINDRES]: 'binutils-mingw-w64-x86-64', [WIXL]: 'wixl' }
// Small console programs that need no DLL beyond what Windows (or Wine) ships.
const CFLAGS = ['-municode', '-mconsole', '-static', '-Os', '-s', '-Wall']
const ACME_VERSIONS = { v1: '1.0.0', v2: '2.0.0' }
// Acme packaged as an .msi (acme-msi.wxs), a version of its own so a test can tell it apart.
const ACME_MSI_VERSION = '3.0.0'

/** Every fixture: output name, C source, extra inputs, defines, libraries, embedded payload. */
function fixtureTable() {
  const header = join(src, 'fixture-io.h')
  const list = [
    { name: 'hello', source: 'hello.c', inputs: [header], defines: [], libs: [] },
    { name: 'escape-probe', source: 'escape-probe.c', inputs: [header], defines: [], libs: [] },
    { name: 'window-probe', source: 'window-probe.c', inputs: [header], defines: [], libs: ['-luser32'] },
  ]
  for (const [tag, version] of Object.entries(ACME_VERSIONS)) {
    const define = `-DACME_VERSION="${version}"`
    list.push({
      name: `acme-${tag}`,
      source: 'acme.c',
      inputs: [header],
      defines: [define],
      libs: ['-lshell32', '-ladvapi32'],
    })
    // The installer embeds acme-<tag>.exe as RCDATA 1 and installs it as acme.exe.
    list.push({
      name: `acme-setup-${tag}`,
      source: 'acme-setup.c',
      inputs: [header, fixturePath(`acme-${tag}`)],
      defines: [define],
      libs: ['-lole32', '-luuid', '-lshell32', '-ladvapi32'],
      payload: fixturePath(`acme-${tag}`),
    })
  }
  // The same installer carrying window-probe.exe (installed as C:\Program Files\Acme\acme.exe):
  // how a GUI program gets into a container in the display tests.
  list.push({
    name: 'probe-setup',
    source: 'acme-setup.c',
    inputs: [header, fixturePath('window-probe')],
    defines: ['-DACME_VERSION="0.0.0-probe"'],
    libs: ['-lole32', '-luuid', '-lshell32', '-ladvapi32'],
    payload: fixturePath('window-probe'),
  })
  list.push({
    name: 'acme-v3',
    source: 'acme.c',
    inputs: [header],
    defines: [`-DACME_VERSION="${ACME_MSI_VERSION}"`],
    libs: ['-lshell32', '-ladvapi32'],
  })
  return list
}

/** Where the Acme .msi lands: test/fixtures/build/acme-v3.msi. */
export const acmeMsiPath = join(fixturesBuildDir, 'acme-v3.msi')

/**
 * The .msi: acme-v3.exe and a config.ini packed by wixl (64-bit, so it lands in Program Files).
 * wixl resolves sources relative to its working directory only, hence the relative paths.
 */
function buildMsi() {
  const config = join(objDir, 'acme-msi-config.ini')
  const tmp = `${acmeMsiPath}.${process.pid}.tmp`
  writeFileSync(config, `version=${ACME_MSI_VERSION}\r\ntheme=light\r\n`)
  try {
    run(WIXL, [
      '-a',
      'x64',
      '-D',
      `Version=${ACME_MSI_VERSION}`,
      '-D',
      `Exe=${relative(src, fixturePath('acme-v3'))}`,
      '-D',
      `Config=${relative(src, config)}`,
      '-o',
      tmp,
      'acme-msi.wxs',
    ])
    renameSync(tmp, acmeMsiPath)
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** Where a fixture's executable lands: test/fixtures/build/<name>.exe. */
export function fixturePath(name) {
  return join(fixturesBuildDir, `${name}.exe`)
}

/** The names `fixturePath` accepts. */
export const fixtureNames = fixtureTable().map((f) => f.name)

class FixtureBuildError extends Error {}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: src, encoding: 'utf8' })
  if (r.error?.code === 'ENOENT') {
    throw new FixtureBuildError(
      `${cmd} not found: install the Debian package ${TOOL_PACKAGES[cmd]} (apt-get install ${TOOL_PACKAGES[cmd]})`,
    )
  }
  if (r.error) throw new FixtureBuildError(`${cmd} could not run: ${r.error.message}`)
  if (r.status !== 0) {
    throw new FixtureBuildError(
      `${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`,
    )
  }
}

// The resource script names the payload by absolute path; windres reads it as a C string.
function resourceObject(f, tag) {
  if (/["\\\n]/.test(f.payload)) throw new FixtureBuildError(`unsupported character in path ${f.payload}`)
  const rc = join(objDir, `${f.name}.${tag}.rc`)
  const obj = join(objDir, `${f.name}.${tag}.res.o`)
  writeFileSync(rc, `1 RCDATA "${f.payload}"\n`)
  run(WINDRES, ['-O', 'coff', '-i', rc, '-o', obj])
  return [rc, obj]
}

function compile(f) {
  const out = fixturePath(f.name)
  // Intermediate files carry the pid, so test processes building at once never share one; the
  // .exe is built beside and renamed, so an interrupted build never leaves a broken fresh one.
  const tag = `${process.pid}.tmp`
  const tmp = `${out}.${tag}`
  const scratch = [tmp]
  try {
    const resource = f.payload ? resourceObject(f, tag) : []
    scratch.push(...resource)
    run(CC, [...CFLAGS, ...f.defines, f.source, ...resource.slice(1), '-o', tmp, ...f.libs])
    renameSync(tmp, out)
  } finally {
    for (const file of scratch) rmSync(file, { force: true })
  }
}

/** Builds every stale fixture (in dependency order) and returns { name: path }. Throws on failure. */
export function buildFixtures({ log = (line) => console.log(line) } = {}) {
  mkdirSync(objDir, { recursive: true })
  const built = []
  const table = fixtureTable()
  for (const f of table) {
    if (isStale(fixturePath(f.name), [join(src, f.source), ...f.inputs, self])) {
      compile(f)
      built.push(f.name)
    }
  }
  if (isStale(acmeMsiPath, [join(src, 'acme-msi.wxs'), fixturePath('acme-v3'), self])) {
    buildMsi()
    built.push('acme-v3.msi')
  }
  const where = relative(process.cwd(), fixturesBuildDir) || '.'
  log(
    built.length > 0
      ? `fixtures: built ${built.join(', ')} (${table.length + 1 - built.length} up to date) in ${where}`
      : `fixtures: all ${table.length + 1} up to date in ${where}`,
  )
  return Object.fromEntries(table.map((f) => [f.name, fixturePath(f.name)]))
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  try {
    buildFixtures()
  } catch (err) {
    if (!(err instanceof FixtureBuildError)) throw err
    console.error(`build-fixtures: ${err.message}`)
    process.exit(1)
  }
}
