import { createSignal, For, Show } from 'solid-js'
import { Confirm } from '../../components/confirm.tsx'
import { Modal } from '../../components/modal.tsx'
import { call, client, errorMessage, type Schemas, upload } from '../../lib/api.ts'
import { hasScope } from '../../lib/session.ts'
import type { Container } from '../../lib/state.ts'
import { DownloadLink } from './download.tsx'
import { createFetch } from './fetch.ts'
import {
  dataSummary,
  dataToText,
  editableTypes,
  keyAncestors,
  type RegistryType,
  type RegistryValue,
  rawTypeOf,
  textToData,
  typeNames,
} from './registry-data.ts'

type ImportResult = Schemas['RegistryImportResult']

const roots = [
  { path: 'HKLM', label: 'HKEY_LOCAL_MACHINE' },
  { path: 'HKCU', label: 'HKEY_CURRENT_USER' },
]

const getKey = (id: string, key: string) =>
  call(client.GET('/api/containers/{id}/registry', { params: { path: { id }, query: { key } } }))

const lastName = (path: string) => path.slice(path.lastIndexOf('\\') + 1)
const parentOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('\\')))
const valueLabel = (v: RegistryValue) => v.name || '(Default)'

/** The registry browser: a key tree loaded as it is opened, the selected key's values, edits, .reg. */
export function RegistrySection(props: { container: Container }) {
  const id = () => props.container.id
  const [selected, setSelected] = createSignal('HKLM')
  // Bumped after a write so the key is read again.
  const [version, setVersion] = createSignal(0)
  const key = createFetch(
    () => ({ id: id(), key: selected(), v: version() }),
    (p) => getKey(p.id, p.key),
  )
  const [editing, setEditing] = createSignal<RegistryValue | 'new'>()
  const [removing, setRemoving] = createSignal<RegistryValue>()
  const [removingKey, setRemovingKey] = createSignal<string>()
  const [message, setMessage] = createSignal<{ error?: string; ok?: string }>({})
  const [goto, setGoto] = createSignal('')
  const canWrite = () => hasScope('containers:write')

  const removeValue = async (v: RegistryValue) => {
    setRemoving(undefined)
    try {
      await call(
        client.DELETE('/api/containers/{id}/registry/value', {
          params: { path: { id: id() }, query: { key: selected(), name: v.name } },
        }),
      )
      setMessage({ ok: `Deleted ${valueLabel(v)}` })
      setVersion(version() + 1)
    } catch (err) {
      setMessage({ error: `Could not delete ${valueLabel(v)}: ${errorMessage(err)}` })
    }
  }
  const removeKey = async (path: string) => {
    setRemovingKey(undefined)
    try {
      await call(
        client.DELETE('/api/containers/{id}/registry/key', {
          params: { path: { id: id() }, query: { key: path } },
        }),
      )
      setMessage({ ok: `Deleted ${path}` })
      setSelected(parentOf(path))
      setVersion(version() + 1)
    } catch (err) {
      setMessage({ error: `Could not delete ${path}: ${errorMessage(err)}` })
    }
  }
  const importFile = async (file: File) => {
    setMessage({})
    try {
      const r = await upload<ImportResult>({
        url: `/api/containers/${encodeURIComponent(id())}/registry/import`,
        body: file,
      })
      setMessage({
        ok: `Imported ${file.name}: ${r.keysCreated} keys created, ${r.valuesSet} values set, ${r.keysDeleted} keys and ${r.valuesDeleted} values deleted`,
      })
      setVersion(version() + 1)
    } catch (err) {
      setMessage({ error: `Could not import ${file.name}: ${errorMessage(err)}` })
    }
  }
  return (
    <div class="registry">
      <h2>Registry</h2>
      <p class="muted">
        The hives as stored: while the container runs, Wine may hold newer values in memory. Changes need the
        container stopped.
      </p>
      <div class="registry-layout">
        <nav class="key-tree" aria-label="Registry keys">
          <ul>
            <For each={roots}>
              {(r) => (
                <KeyNode
                  containerId={id()}
                  path={r.path}
                  label={r.label}
                  selected={selected()}
                  version={version()}
                  onSelect={setSelected}
                  open={selected().startsWith(r.path)}
                />
              )}
            </For>
          </ul>
        </nav>
        <section class="key-view" aria-labelledby="key-title">
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault()
              const k = goto()
                .trim()
                .replace(/^HKEY_LOCAL_MACHINE/i, 'HKLM')
                .replace(/^HKEY_CURRENT_USER/i, 'HKCU')
              if (k) setSelected(k)
            }}
          >
            <label>
              Key path
              <input
                value={goto()}
                onInput={(e) => setGoto(e.currentTarget.value)}
                placeholder="HKLM\Software\Acme"
                autocomplete="off"
                spellcheck={false}
              />
            </label>
            <button type="submit">Go</button>
          </form>
          <h3 id="key-title" class="key-path">
            <For each={keyAncestors(selected())}>
              {(p, i) => (
                <>
                  {i() > 0 ? '\\' : ''}
                  <button type="button" class="link" onClick={() => setSelected(p)}>
                    {lastName(p)}
                  </button>
                </>
              )}
            </For>
          </h3>
          <div class="toolbar">
            <Show when={canWrite()}>
              <button type="button" onClick={() => setEditing('new')}>
                New value…
              </button>
              <Show when={selected().includes('\\')}>
                <button
                  type="button"
                  class="danger"
                  aria-label={`Delete key ${selected()}`}
                  onClick={() => setRemovingKey(selected())}
                >
                  Delete key…
                </button>
              </Show>
            </Show>
            <DownloadLink
              href={`/api/containers/${encodeURIComponent(id())}/registry/export?key=${encodeURIComponent(selected())}`}
              name={`${lastName(selected())}.reg`}
              label={`Export ${selected()} as .reg`}
              class="button"
            >
              Export .reg
            </DownloadLink>
            <Show when={canWrite()}>
              <label class="button">
                Import .reg…
                <input
                  type="file"
                  accept=".reg,text/plain"
                  class="visually-hidden"
                  onChange={(e) => {
                    const f = e.currentTarget.files?.[0]
                    e.currentTarget.value = ''
                    if (f) void importFile(f)
                  }}
                />
              </label>
            </Show>
          </div>
          <Show when={message().ok}>
            <p class="ok" role="status">
              {message().ok}
            </p>
          </Show>
          <Show when={message().error}>
            <p class="error" role="alert">
              {message().error}
            </p>
          </Show>
          <Show when={key.error()}>
            <p class="error" role="alert">
              {errorMessage(key.error())}
            </p>
          </Show>
          <Show when={key.data()}>
            {(k) => (
              <>
                <Show when={k().values.length > 0} fallback={<p class="muted">This key has no values.</p>}>
                  <div class="table-wrap">
                    <table class="values" aria-label={`Values of ${selected()}`}>
                      <thead>
                        <tr>
                          <th scope="col">Name</th>
                          <th scope="col">Type</th>
                          <th scope="col">Data</th>
                          <Show when={canWrite()}>
                            <th scope="col">
                              <span class="visually-hidden">Actions</span>
                            </th>
                          </Show>
                        </tr>
                      </thead>
                      <tbody>
                        <For each={k().values}>
                          {(v) => (
                            <tr data-value={v.name}>
                              <th scope="row">{v.name === '' ? '(Default)' : v.name}</th>
                              <td>
                                {v.type === 'hex' && v.raw_type !== undefined
                                  ? `type 0x${v.raw_type.toString(16)}`
                                  : typeNames[v.type]}
                              </td>
                              <td class="data">{dataSummary(v)}</td>
                              <Show when={canWrite()}>
                                <td>
                                  <div class="row-actions">
                                    <button
                                      type="button"
                                      aria-label={`Edit ${valueLabel(v)}`}
                                      onClick={() => setEditing(v)}
                                    >
                                      Edit
                                    </button>
                                    <button
                                      type="button"
                                      class="danger"
                                      aria-label={`Delete ${valueLabel(v)}`}
                                      onClick={() => setRemoving(v)}
                                    >
                                      Delete
                                    </button>
                                  </div>
                                </td>
                              </Show>
                            </tr>
                          )}
                        </For>
                      </tbody>
                    </table>
                  </div>
                </Show>
                <p class="muted">
                  {k().subkeys.length} subkeys
                  <Show when={k().modified}>
                    {' '}
                    · modified {new Date(k().modified as string).toLocaleString()}
                  </Show>
                </p>
              </>
            )}
          </Show>
        </section>
      </div>
      <Show when={editing()}>
        {(v) => (
          <ValueEditor
            containerId={id()}
            keyPath={selected()}
            value={v() === 'new' ? undefined : (v() as RegistryValue)}
            onClose={() => setEditing(undefined)}
            onSaved={(name) => {
              setEditing(undefined)
              setMessage({ ok: `Saved ${name || '(Default)'}` })
              setVersion(version() + 1)
            }}
          />
        )}
      </Show>
      <Show when={removing()}>
        {(v) => (
          <Confirm
            title={`Delete ${valueLabel(v())}?`}
            action="Delete"
            danger
            onConfirm={() => void removeValue(v())}
            onClose={() => setRemoving(undefined)}
          >
            <p>
              The value is removed from <code>{selected()}</code>.
            </p>
          </Confirm>
        )}
      </Show>
      <Show when={removingKey()}>
        {(path) => (
          <Confirm
            title={`Delete key ${lastName(path())}?`}
            action="Delete key"
            danger
            onConfirm={() => void removeKey(path())}
            onClose={() => setRemovingKey(undefined)}
          >
            <p>
              <code>{path()}</code> is removed with every subkey and value below it
              <Show when={key.data()?.path === path()}>
                {' '}
                ({key.data()?.subkeys.length} subkeys, {key.data()?.values.length} values here)
              </Show>
              . Export it as .reg first to keep a copy.
            </p>
          </Confirm>
        )}
      </Show>
    </div>
  )
}

/** One key of the tree: its subkeys are fetched the first time it is opened. */
function KeyNode(props: {
  containerId: string
  path: string
  label: string
  selected: string
  /** Bumped after a write: open keys list their subkeys again. */
  version: number
  open?: boolean
  onSelect: (path: string) => void
}) {
  const [open, setOpen] = createSignal(props.open ?? false)
  const children = createFetch(
    () => (open() ? { id: props.containerId, key: props.path, v: props.version } : false),
    (p) =>
      getKey(p.id, p.key).then((k) =>
        [...k.subkeys].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })),
      ),
  )
  // Opened and found to have no subkeys: shown as a leaf.
  const leaf = () => open() && children.data()?.length === 0
  return (
    <li>
      <span class="key-row">
        <button
          type="button"
          class="toggle"
          aria-expanded={open()}
          aria-label={`${open() ? 'Collapse' : 'Expand'} ${props.label}`}
          onClick={() => setOpen(!open())}
        >
          {leaf() ? '·' : open() ? '▾' : '▸'}
        </button>
        <button
          type="button"
          class="key-name"
          aria-current={props.selected === props.path ? 'true' : undefined}
          data-key={props.path}
          onClick={() => {
            props.onSelect(props.path)
            setOpen(true)
          }}
        >
          {props.label}
        </button>
      </span>
      <Show when={open()}>
        <Show when={children.error()}>
          <p class="error">{errorMessage(children.error())}</p>
        </Show>
        <Show when={children.data()}>
          {(names) => (
            <ul>
              <For each={names()}>
                {(name) => {
                  const path = `${props.path}\\${name}`
                  return (
                    <KeyNode
                      containerId={props.containerId}
                      path={path}
                      label={name}
                      selected={props.selected}
                      version={props.version}
                      onSelect={props.onSelect}
                      open={props.selected.toLowerCase().startsWith(`${path.toLowerCase()}\\`)}
                    />
                  )
                }}
              </For>
            </ul>
          )}
        </Show>
      </Show>
    </li>
  )
}

/** Sets a value (new, or an existing one's data and type). */
function ValueEditor(props: {
  containerId: string
  keyPath: string
  value: RegistryValue | undefined
  onClose: () => void
  onSaved: (name: string) => void
}) {
  const [name, setName] = createSignal(props.value?.name ?? '')
  const [type, setType] = createSignal<RegistryType>(props.value?.type ?? 'sz')
  const [text, setText] = createSignal(props.value ? dataToText(props.value) : '')
  const [rawType, setRawType] = createSignal(
    props.value?.raw_type === undefined ? '' : `0x${props.value.raw_type.toString(16)}`,
  )
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  const save = async () => {
    const parsed = textToData(type(), text())
    if ('error' in parsed) return setError(parsed.error)
    const raw = type() === 'hex' ? rawTypeOf(rawType()) : undefined
    if (raw && 'error' in raw) return setError(raw.error)
    setBusy(true)
    setError(undefined)
    try {
      await call(
        client.PUT('/api/containers/{id}/registry/value', {
          params: { path: { id: props.containerId } },
          body: {
            key: props.keyPath,
            name: name(),
            type: type(),
            data: parsed.data,
            ...(raw ? { raw_type: raw.rawType } : {}),
          },
        }),
      )
      props.onSaved(name())
    } catch (err) {
      setError(errorMessage(err))
      setBusy(false)
    }
  }
  return (
    <Modal
      title={props.value ? `Edit ${props.value.name || '(Default)'}` : 'New value'}
      onClose={props.onClose}
    >
      <form
        class="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
      >
        <p class="muted">
          In <code>{props.keyPath}</code>
        </p>
        <label>
          Value name (empty: the key's default)
          <input
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
            disabled={props.value !== undefined}
            autocomplete="off"
            spellcheck={false}
          />
        </label>
        <label>
          Type
          <select value={type()} onChange={(e) => setType(e.currentTarget.value as RegistryType)}>
            <For each={editableTypes}>{(t) => <option value={t}>{typeNames[t]}</option>}</For>
          </select>
        </label>
        <Show when={type() === 'hex'}>
          <label>
            Type number (e.g. 0x8 for REG_RESOURCE_LIST)
            <input
              value={rawType()}
              onInput={(e) => setRawType(e.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
            />
          </label>
        </Show>
        <label>
          {type() === 'multi_sz'
            ? 'Data (one string per line)'
            : type() === 'dword' || type() === 'qword'
              ? 'Data (a number, or 0x… hex)'
              : type() === 'binary' || type() === 'none' || type() === 'hex'
                ? 'Data (hex bytes)'
                : 'Data'}
          <textarea
            rows={type() === 'multi_sz' ? 4 : 2}
            value={text()}
            onInput={(e) => setText(e.currentTarget.value)}
            spellcheck={false}
          />
        </label>
        <Show when={error()}>
          <p class="error" role="alert">
            {error()}
          </p>
        </Show>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy()}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  )
}
