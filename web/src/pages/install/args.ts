/**
 * An argument line as a person types it into arguments: split on spaces, with "double quotes"
 * keeping spaces inside one argument (`/D="C:\Program Files\Acme"` stays one).
 */
export function splitArgs(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  let any = false
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted
      any = true
    } else if (/\s/.test(ch) && !quoted) {
      if (any) out.push(cur)
      cur = ''
      any = false
    } else {
      cur += ch
      any = true
    }
  }
  if (any) out.push(cur)
  return out
}
