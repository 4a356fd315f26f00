import { createInterface } from 'node:readline'
import { CliError } from './context.ts'

/**
 * A passphrase: ORBIT_PASSPHRASE, else asked on the terminal without echo (twice when `confirm`).
 * Undefined when there is neither (not a terminal) and `required` is false.
 */
export async function passphrase(
  env: NodeJS.ProcessEnv,
  options: { required: boolean; confirm: boolean },
): Promise<string | undefined> {
  if (env.ORBIT_PASSPHRASE) return env.ORBIT_PASSPHRASE
  if (!process.stdin.isTTY) {
    if (options.required)
      throw new CliError('set ORBIT_PASSPHRASE (no terminal to ask for the passphrase on)', 2)
    return undefined
  }
  const first = await ask('passphrase: ')
  if (options.confirm && (await ask('again: ')) !== first) throw new CliError('the passphrases differ', 2)
  if (first.length < 8) throw new CliError('the passphrase needs at least 8 characters', 2)
  return first
}

function ask(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    // Print the prompt, then echo nothing of what is typed.
    process.stderr.write(prompt)
    ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {}
    rl.question('', (answer) => {
      rl.close()
      process.stderr.write('\n')
      resolve(answer)
    })
  })
}
