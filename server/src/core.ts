import type { Core } from './deps.ts'

/** Loads the native core (native/orbit_core.node through its typed wrappers). */
export async function loadCore(): Promise<Core> {
  const native = await import('../../native/index.ts')
  const api = await import('../../native/core-api.ts')
  const sandbox = await import('../../native/sandbox.ts')
  const store = await import('../../native/store-api.ts')
  const pack = await import('../../native/pack-api.ts')
  const files = await import('../../native/files-api.ts')
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
    layerPrefix: async (dataDir, id) => store.layerPrefix(dataDir, await api.getContainer(dataDir, id)),
    createSnapshot: store.createSnapshot,
    listSnapshots: store.listSnapshots,
    getSnapshot: store.getSnapshot,
    diffSnapshots: store.diffSnapshots,
    restoreSnapshot: store.restoreSnapshot,
    deleteSnapshot: store.deleteSnapshot,
    cloneContainer: (dataDir, sourceId, spec) => store.cloneContainer(dataDir, sourceId, spec),
    recoverLayers: store.recoverAll,
    exportContainer: pack.exportContainer,
    importContainer: pack.importContainer,
    inspectArchive: pack.inspectArchive,
    cleanupImports: pack.cleanupImports,
    registryQuery: api.containerRegistryQuery,
    registryGetValue: api.containerRegistryGetValue,
    registrySetValue: api.containerRegistrySetValue,
    registryDelete: api.containerRegistryDelete,
    registryExport: api.containerRegistryExport,
    registryImport: api.containerRegistryImport,
    listFiles: files.listFiles,
    openFile: files.openFile,
  }
}
