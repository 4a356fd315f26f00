import { applyReloadable, describeConfig } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'

/** The configuration in effect, with each setting's source and whether a reload/restart would change it. */
export function showConfig(deps: Pick<Deps, 'readConfig' | 'config'>) {
  return describeConfig(deps.readConfig(), deps.config)
}

/** Re-reads the configuration and applies its reloadable (security) settings; publishes the change. */
export function reloadConfig(deps: Pick<Deps, 'readConfig' | 'config' | 'log' | 'events'>, subject: string) {
  let loaded: ReturnType<Deps['readConfig']>
  try {
    loaded = deps.readConfig()
  } catch (err) {
    // Nothing is applied: the configuration in effect stays as it was.
    throw new OrbitError(
      'ECONFLICT',
      `configuration not reloaded: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  applyReloadable(deps.config, loaded.config)
  deps.log.level = deps.config.logLevel
  deps.log.info({ by: subject }, 'configuration reloaded')
  deps.events.publish('system.config_reloaded', 'system', { by: subject })
  return describeConfig(loaded, deps.config)
}
