import { createResource, createSignal, For, Show } from 'solid-js'
import { call, client, type Schemas } from '../../lib/api.ts'
import { hasScope } from '../../lib/session.ts'
import '../admin/admin.css'
import { LoadError } from '../../components/load-error.tsx'
import { SystemInfoPage } from '../system-info.tsx'

type Setting = Schemas['EffectiveConfig']['settings'][number]

const sourceLabel: Record<Setting['source'], string> = {
  default: 'default',
  local: 'config file',
  env: 'environment',
  flag: 'command line',
}
const show = (v: unknown) =>
  v === '' || v === null || v === undefined ? '(not set)' : typeof v === 'string' ? v : JSON.stringify(v)

/** The effective configuration, read-only: each setting's value and where it came from. */
function EffectiveConfig() {
  const [config, { refetch }] = createResource(() => call(client.GET('/api/system/config')))
  const [filter, setFilter] = createSignal('')
  const rows = () => {
    const f = filter().trim().toLowerCase()
    return (config()?.settings ?? []).filter(
      (s) => !f || s.key.toLowerCase().includes(f) || s.env.toLowerCase().includes(f),
    )
  }
  return (
    <section aria-labelledby="config-title">
      <div class="page-head">
        <h2 id="config-title">Effective configuration</h2>
        <label>
          Find a setting
          <input type="search" value={filter()} onInput={(e) => setFilter(e.currentTarget.value)} />
        </label>
      </div>
      <LoadError what="the configuration" error={config.error} onRetry={() => void refetch()} />
      <Show when={config()}>
        {(c) => (
          <>
            <p class="muted">
              Read from {c().files.length ? c().files.join(', ') : 'no configuration file'}; then the
              environment and the command line. Secrets are shown as [redacted].
            </p>
            <div class="table-wrap">
              <table class="data stack" aria-label="Effective configuration">
                <thead>
                  <tr>
                    <th scope="col">Setting</th>
                    <th scope="col">Value</th>
                    <th scope="col">Source</th>
                    <th scope="col">Environment variable</th>
                    <th scope="col">Notes</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={rows()}>
                    {(s) => (
                      <tr data-setting={s.key}>
                        <td data-label="Setting" class="mono">
                          {s.key}
                        </td>
                        <td data-label="Value" class="mono">
                          {show(s.value)}
                        </td>
                        <td data-label="Source">{sourceLabel[s.source]}</td>
                        <td data-label="Environment" class="mono">
                          {s.env}
                        </td>
                        <td data-label="Notes">
                          {[
                            s.reloadable ? 'reloadable' : '',
                            s.pending ? 'changed: reload or restart to apply' : '',
                          ]
                            .filter(Boolean)
                            .join('; ')}
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </section>
  )
}

/** `/system`: this machine's facts, and for admins the effective configuration. */
export default function SystemPage() {
  return (
    <div class="system-page">
      <div class="page-head">
        <h1>System</h1>
      </div>
      {/* The 401 hook of the client handles lost credentials for every page. */}
      <SystemInfoPage onUnauthorized={() => {}} />
      <Show when={hasScope('admin')}>
        <EffectiveConfig />
      </Show>
    </div>
  )
}
