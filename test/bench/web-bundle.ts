// The web panel's weight on first load: the JS and CSS index.html pulls in before anything else
// (its entry script, modulepreloads and stylesheets), gzipped as a server would send them.
// Pages load on demand, so the rest of the build is shown beside it, not counted.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { Bench, BenchResult } from './harness.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dist = join(root, 'web', 'dist')
const budget = 100 * 1024

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

/** The assets index.html loads at once: module scripts, modulepreloads, stylesheets. */
export function initialAssets(html: string): string[] {
  const refs = new Set<string>()
  for (const m of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const tag = m[0]
    const rel = /\brel="([^"]+)"/.exec(tag)?.[1]
    const url = /\b(?:src|href)="(\/[^"]+)"/.exec(tag)?.[1]
    if (!url) continue
    if (tag.startsWith('<script') || rel === 'stylesheet' || rel === 'modulepreload') refs.add(url)
  }
  return [...refs]
}

export const webBundle: Bench = async () => {
  const build = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}${build.stderr}`)
  const initial = initialAssets(readFileSync(join(dist, 'index.html'), 'utf8'))
  const initialBytes = initial.reduce((sum, url) => sum + gz(join(dist, url)), 0)
  const js = initial.filter((u) => u.endsWith('.js')).reduce((sum, url) => sum + gz(join(dist, url)), 0)
  const all = readdirSync(join(dist, 'assets'))
    .filter((f) => /\.(js|css)$/.test(f))
    .reduce((sum, f) => sum + gz(join(dist, 'assets', f)), 0)
  const result: BenchResult = {
    name: 'web panel: initial JS+CSS (gzip)',
    baseline: 'the budget',
    value: `${kb(initialBytes)} (JS ${kb(js)}; whole build ${kb(all)})`,
    baselineValue: kb(budget),
    ratio: `${(initialBytes / budget).toFixed(2)}x`,
    target: '< 100 KB',
    met: initialBytes < budget,
  }
  return [result]
}
