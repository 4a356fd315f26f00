import type { Core } from './deps.ts'

/** Loads the native core (native/orbit_core.node through its typed wrappers). */
export async function loadCore(): Promise<Core> {
  const native = await import('../../native/index.ts')
  const api = await import('../../native/core-api.ts')
  const sandbox = await import('../../native/sandbox.ts')
  return {
    systemInfo: () => native.systemInfo(),
    ensureRuntime: api.ensureRuntime,
    createContainer: api.createContainer,
    getContainer: api.getContainer,
    listContainers: api.listContainers,
    updateContainer: api.updateContainer,
    deleteContainer: api.deleteContainer,
    install: api.install,
    hashFile: (path) => native.hashFile(path),
    startRun: sandbox.startRun,
    stopInstance: sandbox.stopInstance,
    instanceAlive: (id) => sandbox.instances().some((i) => i.key === id),
  }
}
