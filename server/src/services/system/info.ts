import type { SystemInfo } from '../../../../openapi/index.ts'
import type { Deps } from '../../deps.ts'

/** Orbit's version and the machine facts the core reports. */
export function systemInfo(deps: Pick<Deps, 'core' | 'version' | 'installationId'>): SystemInfo {
  return { version: deps.version, installationId: deps.installationId, core: deps.core.systemInfo() }
}
