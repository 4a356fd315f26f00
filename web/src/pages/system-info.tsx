import { createResource, For, Match, Switch } from 'solid-js'
import { api, OrbitApiError, type SystemInfo } from '../lib/api.ts'

const yesNo = (v: boolean) => (v ? 'yes' : 'no')

function Facts(props: { info: SystemInfo }) {
  const core = () => props.info.core
  const rows = (): Array<[string, string]> => [
    ['Orbit', props.info.version],
    ['Wine', core().wine.available ? `${core().wine.version ?? '?'}` : 'not installed'],
    ['Kernel', `Linux ${core().kernel} (${core().arch})`],
    ['Overlay file system', yesNo(core().overlay)],
    [
      'cgroups',
      `${core().cgroup.mode}${core().cgroup.controllers.length ? ` — ${core().cgroup.controllers.join(', ')}` : ''}`,
    ],
    ...Object.entries(core().namespaces).map(([k, v]): [string, string] => [`${k} namespace`, yesNo(v)]),
    ['Core', core().coreVersion],
    ['Installation', props.info.installationId],
  ]
  return (
    <dl class="facts" data-testid="system-info">
      <For each={rows()}>
        {([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd data-fact={k}>{v}</dd>
          </>
        )}
      </For>
    </dl>
  )
}

export function SystemInfoPage(props: { onUnauthorized: () => void }) {
  const [info] = createResource(async () => {
    try {
      return await api.systemInfo()
    } catch (err) {
      if (err instanceof OrbitApiError && err.status === 401) props.onUnauthorized()
      throw err
    }
  })
  return (
    <section aria-labelledby="system-title">
      <h2 id="system-title">This machine</h2>
      <Switch>
        <Match when={info.loading}>
          <p>Loading…</p>
        </Match>
        <Match when={info.error}>
          <p role="alert">{(info.error as Error).message}</p>
        </Match>
        <Match when={info()}>{(data) => <Facts info={data()} />}</Match>
      </Switch>
    </section>
  )
}
