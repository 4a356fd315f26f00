import type { Core } from './deps.ts'

/** Loads the native core (native/orbit_core.node through its typed wrapper). */
export async function loadCore(): Promise<Core> {
  const native = await import('../../native/index.ts')
  return { systemInfo: () => native.systemInfo() }
}
