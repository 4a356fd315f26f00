import { CliError } from './context.ts'

/** `K=V` pairs of a repeated option (--env, --label) as a map; `what` names the option in errors. */
export function keyValues(pairs: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!pairs || pairs.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const at = p.indexOf('=')
    if (at <= 0) throw new CliError(`${what} takes KEY=VALUE, got "${p}"`, 2)
    out[p.slice(0, at)] = p.slice(at + 1)
  }
  return out
}
