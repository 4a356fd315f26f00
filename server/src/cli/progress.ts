/** Human sizes: 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

export interface ProgressState {
  phase?: string | null
  done?: number
  total?: number | null
  unit?: string | null
  message?: string | null
}

interface Output {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

/**
 * A one-line progress bar on a terminal (stderr by default): `[#####.....]  45%  phase  message`,
 * a counter when the total is unknown. Elsewhere (a pipe, a log) it prints one line per phase
 * and the lines given to `line()`, so scripts and tests still see what happened.
 */
export class ProgressBar {
  private state: ProgressState = {}
  private lastPhase: string | null | undefined
  private drawn = false
  private lastDraw = 0

  constructor(
    private readonly out: Output = process.stderr,
    private readonly tty = out.isTTY === true,
  ) {}

  update(next: ProgressState): void {
    this.state = { ...this.state, ...next }
    if (!this.tty) {
      if (next.phase !== undefined && next.phase !== this.lastPhase) {
        this.lastPhase = next.phase
        this.out.write(`${next.phase}${this.state.message ? `: ${this.state.message}` : ''}\n`)
      }
      return
    }
    const now = Date.now()
    if (now - this.lastDraw < 50 && this.drawn) return
    this.lastDraw = now
    this.draw()
  }

  /** A line of text above the bar (the bar is redrawn under it). */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\u001b[K')
    this.out.write(`${text}\n`)
    if (this.tty && this.drawn) this.draw()
  }

  /** Removes the bar. */
  done(): void {
    if (this.tty && this.drawn) this.out.write('\r\u001b[K')
    this.drawn = false
  }

  /** The bar's text for a given width (exported for tests through `render`). */
  render(width: number): string {
    const s = this.state
    const done = s.done ?? 0
    const amount = (n: number) => (s.unit === 'bytes' ? formatBytes(n) : `${n}${s.unit ? ` ${s.unit}` : ''}`)
    let head: string
    if (s.total) {
      const frac = Math.max(0, Math.min(1, done / s.total))
      const cells = 20
      const full = Math.round(frac * cells)
      head = `[${'#'.repeat(full)}${'.'.repeat(cells - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%`
    } else {
      head = `[${'.'.repeat(8)}${'#'.repeat(4)}${'.'.repeat(8)}] ${amount(done)}`.replace(
        /\[(.{20})\]/,
        (_m, bar: string) => `[${rotate(bar, done)}]`,
      )
    }
    const text = [head, s.phase, s.message].filter(Boolean).join('  ')
    return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text
  }

  private draw(): void {
    this.out.write(`\r\u001b[K${this.render((this.out.columns || 80) - 1)}`)
    this.drawn = true
  }
}

/** The unknown-total bar moves with the count, so it visibly lives. */
function rotate(bar: string, n: number): string {
  const k = n % bar.length
  return bar.slice(bar.length - k) + bar.slice(0, bar.length - k)
}
