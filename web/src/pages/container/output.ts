import type { RunOutput } from '../../lib/state.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * What the output pane shows: the log fetched over HTTP (bytes 0..n of the run's log) joined with
 * the live text the stream brought, without repeating what both hold. The live text covers bytes
 * `end - length(text)` to `end` of the same log.
 */
export function joinOutput(log: string | undefined, live: RunOutput | undefined): string {
  if (!live) return log ?? ''
  if (log === undefined) return live.truncated ? `…\n${live.text}` : live.text
  const logBytes = encoder.encode(log).length
  const liveBytes = encoder.encode(live.text)
  const liveStart = live.end - liveBytes.length
  if (live.end <= logBytes) return log // the log already holds all of it
  if (liveStart > logBytes) return `${log}\n…\n${live.text}` // a gap (the stream dropped some)
  return log + decoder.decode(liveBytes.subarray(logBytes - liveStart))
}
