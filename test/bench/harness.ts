// Benchmarks report ratios against a baseline measured in the same run (see the performance notes):
// these machines are shared and noisy, so absolute times are shown beside the ratio, never asserted.

export interface BenchResult {
  name: string
  /** What the figure is compared with, measured now, on this machine. */
  baseline: string
  /** Human-readable figures: the measured value and the baseline's. */
  value: string
  baselineValue: string
  /** The comparison the target is stated in (e.g. "added 1.2 ms", "0.4x"). */
  ratio: string
  target: string
  met: boolean
}

export type Bench = () => Promise<BenchResult[]>

/** The median of `runs` timings (ms) of `fn`, after `warmup` untimed calls. */
export async function medianMs(
  fn: () => Promise<unknown> | unknown,
  runs: number,
  warmup = 3,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? Number.NaN
}

export const ms = (v: number): string => `${v.toFixed(2)} ms`
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`

export function printResults(results: BenchResult[]): void {
  const rows = results.map((r) => [
    r.name,
    r.value,
    `${r.baseline}: ${r.baselineValue}`,
    r.ratio,
    r.target,
    r.met ? 'met' : 'MISSED',
  ])
  const header = ['benchmark', 'orbit', 'baseline (same run)', 'ratio', 'target', '']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const r of rows) console.log(line(r))
}
