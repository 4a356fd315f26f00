import { For, type JSX, Show } from 'solid-js'
import type { Schemas } from '../../lib/api.ts'
import { formatBytes } from '../../lib/format.ts'

type Diff = Schemas['SnapshotDiff']
type RegValue = Diff['registry']['valuesAdded'][number]['value']

/** A path relative to the prefix as Windows shows it: drive_c/Program Files/x → C:\Program Files\x. */
export function windowsPath(prefixPath: string): string {
  const m = /^drive_([a-z])(?:\/(.*))?$/i.exec(prefixPath)
  if (!m) return prefixPath
  return `${(m[1] as string).toUpperCase()}:\\${(m[2] ?? '').replaceAll('/', '\\')}`
}

export function valueText(v: RegValue): string {
  const name = v.name === '' ? '(Default)' : v.name
  const data = Array.isArray(v.data) ? v.data.join(', ') : String(v.data)
  return `${name} = ${data} (${v.type})`
}

function Group<T>(props: { title: string; items: T[]; kind: string; children: (item: T) => JSX.Element }) {
  return (
    <Show when={props.items.length > 0}>
      <h4>
        {props.title} <span class="count">({props.items.length})</span>
      </h4>
      <ul class={`diff-list diff-${props.kind}`} aria-label={props.title}>
        <For each={props.items}>{(item) => <li>{props.children(item)}</li>}</For>
      </ul>
    </Show>
  )
}

/** A snapshot diff: files added, changed and removed; registry keys and values. */
export function DiffView(props: { diff: Diff }) {
  const f = () => props.diff.files
  const r = () => props.diff.registry
  const empty = () =>
    f().added.length + f().changed.length + f().removed.length === 0 &&
    r().keysAdded.length + r().keysRemoved.length === 0 &&
    r().valuesAdded.length + r().valuesChanged.length + r().valuesRemoved.length === 0
  return (
    <div class="diff-view">
      <Show when={!empty()} fallback={<p class="muted">No change.</p>}>
        <h3>Files</h3>
        <Show
          when={f().added.length + f().changed.length + f().removed.length > 0}
          fallback={<p class="muted">No file changed.</p>}
        >
          <Group title="Files added" kind="added" items={f().added}>
            {(x) => (
              <>
                <code>{windowsPath(x.path)}</code>{' '}
                <span class="muted">{x.kind === 'file' ? formatBytes(x.size) : x.kind}</span>
              </>
            )}
          </Group>
          <Group title="Files changed" kind="changed" items={f().changed}>
            {(x) => (
              <>
                <code>{windowsPath(x.path)}</code> <span class="muted">{x.reasons.join(', ')}</span>
              </>
            )}
          </Group>
          <Group title="Files removed" kind="removed" items={f().removed}>
            {(x) => <code>{windowsPath(x.path)}</code>}
          </Group>
        </Show>
        <h3>Registry</h3>
        <Show
          when={
            r().keysAdded.length +
              r().keysRemoved.length +
              r().valuesAdded.length +
              r().valuesChanged.length +
              r().valuesRemoved.length >
            0
          }
          fallback={<p class="muted">No registry change.</p>}
        >
          <Group title="Keys added" kind="added" items={r().keysAdded}>
            {(k) => <code>{k}</code>}
          </Group>
          <Group title="Keys removed" kind="removed" items={r().keysRemoved}>
            {(k) => <code>{k}</code>}
          </Group>
          <Group title="Values added" kind="added" items={r().valuesAdded}>
            {(v) => (
              <>
                <code>{v.key}</code> <span class="value">{valueText(v.value)}</span>
              </>
            )}
          </Group>
          <Group title="Values changed" kind="changed" items={r().valuesChanged}>
            {(v) => (
              <>
                <code>{v.key}</code> <span class="value">{valueText(v.old)}</span> →{' '}
                <span class="value">{valueText(v.new)}</span>
              </>
            )}
          </Group>
          <Group title="Values removed" kind="removed" items={r().valuesRemoved}>
            {(v) => (
              <>
                <code>{v.key}</code> <span class="value">{valueText(v.value)}</span>
              </>
            )}
          </Group>
        </Show>
      </Show>
    </div>
  )
}
