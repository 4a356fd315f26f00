import { spawn } from 'node:child_process'
import { orbitBin } from './gateway.ts'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real `orbit` command with the given arguments and environment (and stdin, if given). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [orbitBin, ...args], {
      env: { ...process.env, ORBIT_TOKEN: '', ORBIT_URL: '', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    if (input !== undefined) proc.stdin?.end(input)
    let stdout = ''
    let stderr = ''
    proc.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    proc.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    proc.once('error', reject)
    proc.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
