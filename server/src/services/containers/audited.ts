import type { Actor } from '../../audit/log.ts'
import type { Deps } from '../../deps.ts'
import { coreCode } from '../../errors.ts'

/**
 * Runs a mutation and writes its audit entry last: `ok` with details, or the failure's stable
 * code. Internal callers (jobs, recovery) pass no actor and write none.
 */
export async function audited<T>(
  deps: Pick<Deps, 'audit'>,
  actor: Actor | undefined,
  action: string,
  target: string,
  work: () => Promise<T>,
  details: (result: T) => Record<string, unknown> = () => ({}),
): Promise<T> {
  let result: T
  try {
    result = await work()
  } catch (err) {
    if (actor) deps.audit.record(actor, { action, target, result: coreCode(err) ?? 'EINTERNAL' })
    throw err
  }
  if (actor) deps.audit.record(actor, { action, target, result: 'ok', details: details(result) })
  return result
}
