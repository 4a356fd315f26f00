import { createSignal, For, Show } from 'solid-js'
import { call, client, errorMessage } from '../../lib/api.ts'
import { formatBytes } from '../../lib/format.ts'
import type { Container } from '../../lib/state.ts'
import { DownloadLink } from './download.tsx'
import { createFetch } from './fetch.ts'

/** `C:\Program Files\Acme` → [['C:', 'C:\'], ['Program Files', 'C:\Program Files'], ['Acme', …]]. */
export function crumbsOf(path: string): Array<[string, string]> {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '')
  return parts.map((name, i) => [name, i === 0 ? `${name}\\` : `${parts.slice(0, i + 1).join('\\')}`])
}

const join = (dir: string, name: string) => (dir.endsWith('\\') ? `${dir}${name}` : `${dir}\\${name}`)

/** The container's C: drive as its programs see it: folders to open, files to download. */
export function FilesSection(props: { container: Container }) {
  const id = () => props.container.id
  const [path, setPath] = createSignal('C:\\')
  const listing = createFetch(
    () => ({ id: id(), path: path() }),
    (p) =>
      call(
        client.GET('/api/containers/{id}/files', { params: { path: { id: p.id }, query: { path: p.path } } }),
      ),
  )
  const [goto, setGoto] = createSignal('')
  return (
    <div class="files">
      <h2>Files</h2>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (goto().trim()) setPath(goto().trim())
        }}
      >
        <label>
          Folder
          <input
            value={goto()}
            onInput={(e) => setGoto(e.currentTarget.value)}
            placeholder="C:\Program Files"
            autocomplete="off"
            spellcheck={false}
          />
        </label>
        <button type="submit">Open</button>
      </form>
      <nav aria-label="Folder path" class="breadcrumbs">
        <ol>
          <For each={crumbsOf(listing.data()?.path ?? path())}>
            {([name, p], i) => (
              <li>
                <Show
                  when={i() < crumbsOf(listing.data()?.path ?? path()).length - 1}
                  fallback={<span aria-current="location">{name}</span>}
                >
                  <button type="button" class="link" onClick={() => setPath(p)}>
                    {name}
                  </button>
                </Show>
              </li>
            )}
          </For>
        </ol>
      </nav>
      <Show when={listing.error()}>
        <p class="error" role="alert">
          {errorMessage(listing.error())}
        </p>
      </Show>
      <Show when={listing.data()}>
        {(l) => (
          <Show when={l().entries.length > 0} fallback={<p class="muted">This folder is empty.</p>}>
            <div class="table-wrap" aria-busy={listing.loading() ? 'true' : undefined}>
              <table class="entries" aria-label={`Contents of ${l().path}`}>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Size</th>
                    <th scope="col">Modified</th>
                    <th scope="col">From</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={l().entries}>
                    {(e) => (
                      <tr data-entry={e.name} data-kind={e.kind}>
                        <th scope="row">
                          <Show
                            when={e.kind === 'file'}
                            fallback={
                              <button
                                type="button"
                                class="link"
                                onClick={() => setPath(join(l().path, e.name))}
                              >
                                <span aria-hidden="true">📁 </span>
                                {e.name}
                                <Show when={e.kind === 'link'}>
                                  <span class="muted"> → {e.target}</span>
                                </Show>
                              </button>
                            }
                          >
                            <DownloadLink
                              href={`/api/containers/${encodeURIComponent(id())}/files/download?path=${encodeURIComponent(join(l().path, e.name))}`}
                              name={e.name}
                              label={`Download ${e.name}`}
                            >
                              {e.name}
                            </DownloadLink>
                          </Show>
                        </th>
                        <td>{e.kind === 'file' ? formatBytes(e.size) : ''}</td>
                        <td>
                          <time dateTime={e.mtime}>{new Date(e.mtime).toLocaleString()}</time>
                        </td>
                        <td class="muted">{e.origin}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
    </div>
  )
}
