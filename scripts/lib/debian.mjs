// The Debian packages Orbit needs, and how to get them.
import { execFileSync } from 'node:child_process'

/** Packages by purpose; `librust-*-dev` are the crates the native core builds from, offline. */
export const debianPackages = [
  // Win32 runtime and fixtures
  'wine',
  'wine64',
  'gcc-mingw-w64-x86-64',
  'binutils-mingw-w64-x86-64',
  'wixl', // the .msi fixture
  // browser tests
  'chromium',
  // GUI programs' display in tests: a headless X server, and xdpyinfo to ask it what a client sees
  'xvfb',
  'x11-utils',
  'xauth',
  // sandbox baseline in benchmarks
  'bubblewrap',
  // crates of the native core
  'librust-libc-dev',
  'librust-serde-dev',
  'librust-serde-derive-dev',
  'librust-serde-json-dev',
  'librust-blake3-dev',
  'librust-walkdir-dev',
  'librust-rayon-dev',
  'librust-zstd-dev',
  'librust-tar-dev',
  'librust-ring-dev',
  'librust-serde-yaml-dev',
  'librust-unicode-normalization-dev',
]

/** The subset of `packages` that dpkg does not report as installed. */
export function missingPackages(packages) {
  let out = ''
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    out = execFileSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\\n', ...packages], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch (err) {
    out = String(err.stdout ?? '') // dpkg-query exits 1 when some package is unknown
  }
  const installed = new Set(
    out
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0].split(':')[0]),
  )
  return packages.filter((p) => !installed.has(p))
}

export const aptLine = (packages) => `apt-get install -y --no-install-recommends ${packages.join(' ')}`
