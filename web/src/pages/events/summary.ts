import type { OrbitEvent } from '../../lib/events.ts'

type Data = Record<string, unknown>
const str = (v: unknown) =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v)

/** One line about an event for the timeline: what changed, in words, from its `data`. */
export function summarize(e: OrbitEvent): string {
  const d = (typeof e.data === 'object' && e.data !== null ? e.data : {}) as Data
  if (e.type === 'job.progress') {
    const p = d.progress as { done: number; total: number | null; unit: string | null } | null
    const amount = p
      ? (p.total === null ? `${p.done}` : `${p.done}/${p.total}`) + (p.unit ? ` ${p.unit}` : '')
      : ''
    return [str(d.kind), str(d.phase), amount].filter(Boolean).join(' · ')
  }
  if (e.type.startsWith('job.')) {
    const err = d.error as { code: string; message: string } | null
    return [str(d.kind), str(d.state), err ? `${err.code}: ${err.message}` : ''].filter(Boolean).join(' · ')
  }
  if (e.type === 'container.state')
    return `${str(d.name) || str(d.id)}: ${str(d.previous) || '?'} → ${str(d.state)}${d.reason ? ` (${str(d.reason)})` : ''}`
  if (e.type.startsWith('container.')) return [str(d.name), str(d.state)].filter(Boolean).join(' · ')
  if (e.type === 'run.output') {
    const text = str(d.text).replace(/\s+/g, ' ').trim()
    return `${str(d.stream)}: ${text.length > 120 ? `${text.slice(0, 120)}…` : text}`
  }
  if (e.type.startsWith('run.'))
    return [
      str(d.program),
      str(d.state),
      d.exitCode !== null && d.exitCode !== undefined ? `exit ${str(d.exitCode)}` : '',
    ]
      .filter(Boolean)
      .join(' · ')
  if (e.type === 'audit') {
    const result = str(d.result)
    return `${str(d.actor)} ${str(d.action)}${d.target ? ` ${str(d.target)}` : ''} → ${result}`
  }
  if (e.type.startsWith('snapshot.')) {
    const s = (d.snapshot ?? {}) as Data
    return [str(s.id), s.files !== undefined ? `${str(s.files)} files` : ''].filter(Boolean).join(' · ')
  }
  if (e.type === 'install.progress')
    return [str(d.phase), str(d.message) || str(d.line)].filter(Boolean).join(' · ')
  const text = JSON.stringify(e.data ?? null)
  return text.length > 160 ? `${text.slice(0, 160)}…` : text
}

/** `job.*`, `job.` and `job` all match every job event; empty matches everything. */
export function matchesPrefix(type: string, prefix: string): boolean {
  const p = prefix.trim().replace(/\*$/, '')
  return p === '' || type.startsWith(p)
}
