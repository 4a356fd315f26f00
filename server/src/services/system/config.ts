import type { Actor } from '../../audit/log.ts'
import { applyReloadable, describeConfig } from '../../config.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'

/** The configuration in effect, with each setting's source and whether a reload/restart would change it. */
export function showConfig(deps: Pick<Deps, 'readConfig' | 'config'>) {
  return describeConfig(deps.readConfig(), deps.config)
}

/** Re-reads the configuration and applies its reloadable (security) settings; publishes the change. */
export function reloadConfig(
  deps: Pick<Deps, 'readConfig' | 'config' | 'log' | 'events' | 'audit'>,
  actor: Actor,
) {
  let loaded: ReturnType<Deps['readConfig']>
  try {
    loaded = deps.readConfig()
  } catch (err) {
    // Nothing is applied: the configuration in effect stays as it was.
    deps.audit.record(actor, {
      action: 'system.reload',
      result: 'ECONFLICT',
      details: { error: String(err) },
    })
    throw new OrbitError(
      'ECONFLICT',
      `configuration not reloaded: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  applyReloadable(deps.config, loaded.config)
  deps.log.level = deps.config.logLevel
  deps.log.info({ by: actor.subject }, 'configuration reloaded')
  deps.audit.record(actor, { action: 'system.reload', result: 'ok', details: {} })
  return describeConfig(loaded, deps.config)
}
