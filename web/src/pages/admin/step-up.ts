import { OrbitApiError } from '../../lib/api.ts'

/**
 * Runs an action that may need a fresh passkey confirmation (ESTEP_UP: admin work from afar,
 * adding or removing a passkey): on that refusal, confirms with a passkey and tries once more.
 * The WebAuthn helper is loaded only when a confirmation is really needed.
 */
export async function withStepUp<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (err) {
    if (!(err instanceof OrbitApiError) || err.problem?.code !== 'ESTEP_UP') throw err
    const { confirmWithPasskey } = await import('./step-up-ceremony.ts')
    await confirmWithPasskey()
    return action()
  }
}
