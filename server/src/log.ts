import { type Logger, pino } from 'pino'

export type { Logger }

/** Paths that must never reach a log line, whatever object is logged. */
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.token',
  '*.password',
  '*.passphrase',
  '*.secret',
  'token',
  'passphrase',
]

/**
 * Structured JSON logs (one object per line) with secrets redacted. By default to stdout without
 * blocking: a line per request written synchronously costs a syscall each; asynchronously, lines
 * that pile up during a write go out together. pino flushes what is pending when the process exits.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { service: 'orbit' }, redact: { paths: redact, censor: '[redacted]' } },
    (destination ?? pino.destination({ dest: 1, sync: false })) as Parameters<typeof pino>[1],
  )
}

/** A logger that writes nothing, for tests and embedders that bring none. */
export const silentLogger = (): Logger => pino({ level: 'silent' })
