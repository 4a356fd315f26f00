import { formatBytes, timeAgo } from './format.ts'
import type { Container } from './state.ts'

/** "Wine 8.0", or "Native" (`long`: "Native (Linux programs)"). */
export function runtimeText(c: Pick<Container, 'runtime'>, long = false): string {
  if (c.runtime.kind !== 'wine') return long ? 'Native (Linux programs)' : 'Native'
  return `Wine${c.runtime.wineVersion ? ` ${c.runtime.wineVersion.replace(/^wine-/, '')}` : ''}`
}

/** "never", "running since 2 min ago", "3 h ago (exit 0)", "1 d ago (stopped)". */
export function lastRunText(run: Container['lastRun'], now?: number): string {
  if (!run) return 'never'
  if (run.state === 'starting' || run.state === 'running' || run.finishedAt === null)
    return `running since ${timeAgo(run.startedAt, now)}`
  const how =
    run.exitCode !== null ? `exit ${run.exitCode}` : run.signal !== null ? `signal ${run.signal}` : run.state
  return `${timeAgo(run.finishedAt, now)} (${how})`
}

/** "12.4 MB", or "measuring…" until the gateway has measured it. */
export const diskText = (disk: Container['disk']): string => (disk ? formatBytes(disk.bytes) : 'measuring…')

export const networkText = (n: Container['network']): string =>
  n === 'none' ? 'off (loopback only)' : 'host network'
