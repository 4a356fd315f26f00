import type { EntryPoint } from '../../../../native/core-api.ts'
import { OrbitError } from '../../errors.ts'

export interface ResolvedProgram {
  target: string
  args: string[]
  cwd?: string
}

const windowsPath = /^[A-Za-z]:\\/

/**
 * Splits a shortcut's argument string the way Windows programs split their command line
 * (CommandLineToArgvW): whitespace separates, double quotes group, backslashes escape quotes.
 */
export function splitWindowsArgs(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let inArg = false
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (c === '\\') {
      let n = 0
      while (line[i] === '\\') {
        n++
        i++
      }
      if (line[i] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2))
        if (n % 2 === 1) cur += '"'
        else quoted = !quoted
      } else {
        cur += '\\'.repeat(n)
        i--
      }
      inArg = true
    } else if (c === '"') {
      quoted = !quoted
      inArg = true
    } else if ((c === ' ' || c === '\t') && !quoted) {
      if (inArg) out.push(cur)
      cur = ''
      inArg = false
    } else {
      cur += c
      inArg = true
    }
  }
  if (inArg) out.push(cur)
  return out
}

/**
 * What to start for `program` in a container: a Windows path as is (Wine), a Linux path or name as
 * is (native), or an app name from the manifest (case-insensitive) with its own arguments first
 * and its working directory.
 */
export function resolveProgram(
  kind: 'wine' | 'native',
  program: string,
  args: string[],
  apps: EntryPoint[],
): ResolvedProgram {
  if (kind === 'native') return { target: program, args }
  if (windowsPath.test(program)) return { target: program, args }
  const app =
    apps.find((a) => a.name === program) ?? apps.find((a) => a.name.toLowerCase() === program.toLowerCase())
  if (!app) {
    const known = apps.length > 0 ? `its apps: ${apps.map((a) => a.name).join(', ')}` : 'it has no apps yet'
    throw new OrbitError('EVALIDATION', `no app named ${JSON.stringify(program)} (${known})`, [
      { path: 'program', message: `an app name (${known}) or a Windows path like C:\\dir\\app.exe` },
    ])
  }
  return {
    target: app.target,
    args: [...(app.arguments ? splitWindowsArgs(app.arguments) : []), ...args],
    ...(app.workingDir ? { cwd: app.workingDir } : {}),
  }
}
