import { createResource, createSignal, For, Show } from 'solid-js'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { location } from '../../lib/router.ts'
import '../admin/admin.css'
import { LoadError } from '../../components/load-error.tsx'

type Entry = Schemas['AuditEntry']

export interface AuditFilter {
  actor: string
  action: string
  target: string
  result: string
  /** datetime-local values (the browser's local time), '' for open ends. */
  since: string
  until: string
}

const empty: AuditFilter = { actor: '', action: '', target: '', result: '', since: '', until: '' }
const textKeys = ['actor', 'action', 'target', 'result'] as const

/** The text filters from the address (?actor=&action=&target=&result=), so other pages can link here. */
export function filterFromSearch(search: string): AuditFilter {
  const q = new URLSearchParams(search)
  const f = { ...empty }
  for (const k of textKeys) f[k] = q.get(k) ?? ''
  return f
}

/** Puts the text filters in the address without a router navigation (that would remount the page). */
function rememberFilter(f: AuditFilter) {
  const q = new URLSearchParams()
  for (const k of textKeys) if (f[k].trim()) q.set(k, f[k].trim())
  const search = q.toString() ? `?${q}` : ''
  if (window.location.search !== search) history.replaceState(null, '', `/audit${search}`)
}
const PAGE = 50

/** The filter as the query of GET /api/audit: blanks left out, local times as instants. */
export function auditQuery(f: AuditFilter, cursor: string | undefined) {
  const text = (v: string) => (v.trim() ? v.trim() : undefined)
  const instant = (v: string) => (v ? new Date(v).toISOString() : undefined)
  const q = {
    actor: text(f.actor),
    action: text(f.action),
    target: text(f.target),
    result: text(f.result),
    since: instant(f.since),
    until: instant(f.until),
    limit: PAGE,
    cursor,
  }
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as typeof q
}

/** `name=ci scopes=["a","b"]`: each detail on its own, strings unquoted. */
const details = (d: Entry['details']) =>
  Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('  ')

/** `/audit`: the chained audit log with filters and paging, and whether the chain verifies. */
export default function AuditPage() {
  const [filter, setFilter] = createSignal<AuditFilter>(filterFromSearch(location().search))
  // The cursors of the pages before this one (for "Newer"), and this page's cursor.
  const [trail, setTrail] = createSignal<Array<string | undefined>>([])
  const [cursor, setCursor] = createSignal<string | undefined>()
  const [page, { refetch }] = createResource(
    () => ({ f: filter(), c: cursor() }),
    ({ f, c }) => call(client.GET('/api/audit', { params: { query: auditQuery(f, c) } })),
  )
  const [verify, { refetch: reverify }] = createResource(() => call(client.GET('/api/audit/verify')))

  const apply = (form: HTMLFormElement) => {
    const d = new FormData(form)
    const get = (k: keyof AuditFilter) => String(d.get(k) ?? '')
    const f = {
      actor: get('actor'),
      action: get('action'),
      target: get('target'),
      result: get('result'),
      since: get('since'),
      until: get('until'),
    }
    setTrail([])
    setCursor(undefined)
    setFilter(f)
    rememberFilter(f)
  }
  const older = () => {
    const next = page()?.nextCursor
    if (!next) return
    setTrail([...trail(), cursor()])
    setCursor(next)
  }
  const newer = () => {
    const t = trail()
    setTrail(t.slice(0, -1))
    setCursor(t.at(-1))
  }

  return (
    <section aria-labelledby="audit-title">
      <div class="page-head">
        <h1 id="audit-title">Audit log</h1>
        <button type="button" onClick={() => void reverify()}>
          Verify the chain
        </button>
      </div>
      <div aria-live="polite">
        <Show when={verify.loading}>
          <p class="muted">Verifying the hash chain…</p>
        </Show>
        <Show when={!verify.loading && verify.error}>
          <p class="error" role="alert">
            Could not verify the chain: {errorMessage(verify.error)}
          </p>
        </Show>
        <Show when={!verify.loading && verify()} keyed>
          {(v) => (
            <p class={`verify ${v.ok ? 'good' : 'bad'}`} data-testid="audit-verify">
              {v.ok
                ? `Chain verified: all ${v.entries} entries are intact.`
                : `Chain broken at entry ${v.brokenAt ?? '?'}${v.reason ? `: ${v.reason}` : ''} (${v.entries} checked).`}
            </p>
          )}
        </Show>
      </div>
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault()
          apply(e.currentTarget)
        }}
        onReset={() => {
          setTrail([])
          setCursor(undefined)
          setFilter(empty)
          rememberFilter(empty)
        }}
      >
        <label>
          Actor
          <input name="actor" value={filter().actor} placeholder="user:ada, token:…" maxLength={200} />
        </label>
        <label>
          Action
          <input name="action" value={filter().action} placeholder="container.create" maxLength={200} />
        </label>
        <label>
          Container
          <input name="target" value={filter().target} placeholder="name or id" maxLength={200} />
        </label>
        <label>
          Result
          <input
            name="result"
            value={filter().result}
            list="audit-results"
            placeholder="ok or a code"
            maxLength={200}
          />
          <datalist id="audit-results">
            <option value="ok" />
            <option value="EFORBIDDEN" />
            <option value="EUNAUTHENTICATED" />
            <option value="ECSRF" />
            <option value="ESTEP_UP" />
            <option value="ECONFLICT" />
            <option value="EVALIDATION" />
          </datalist>
        </label>
        <label>
          From
          <input name="since" type="datetime-local" step="1" />
        </label>
        <label>
          To
          <input name="until" type="datetime-local" step="1" />
        </label>
        <div class="toolbar" style={{ 'align-self': 'end' }}>
          <button type="submit" class="primary">
            Apply
          </button>
          <button type="reset">Clear</button>
        </div>
      </form>
      <LoadError what="the audit log" error={page.error} onRetry={() => void refetch()} />
      <Show when={page.loading}>
        <p class="loading">Loading entries…</p>
      </Show>
      <Show when={page.latest}>
        {(p) => (
          <>
            <Show when={p().items.length > 0} fallback={<p class="empty">No entries match.</p>}>
              <div class="table-wrap">
                <table class="data stack" aria-label="Audit entries">
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">Time</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Action</th>
                      <th scope="col">Target</th>
                      <th scope="col">Result</th>
                      <th scope="col">Address</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={p().items}>
                      {(e) => (
                        <tr data-entry={e.id}>
                          <td data-label="#">{e.id}</td>
                          <td data-label="Time">
                            <time datetime={e.at}>{new Date(e.at).toLocaleString()}</time>
                          </td>
                          <td data-label="Actor" class="mono">
                            {e.actor}
                          </td>
                          <td data-label="Action" class="mono nowrap">
                            {e.action}
                          </td>
                          <td data-label="Target" class="mono">
                            {e.target ?? ''}
                          </td>
                          <td data-label="Result">
                            <span class={e.result === 'ok' ? 'ok' : 'error-text'}>{e.result}</span>
                          </td>
                          <td data-label="Address" class="mono nowrap">
                            {e.ip ?? ''}
                          </td>
                          <td data-label="Details" class="mono">
                            {details(e.details)}
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
            <nav class="pager" aria-label="Audit pages">
              <button type="button" disabled={trail().length === 0 || page.loading} onClick={newer}>
                Newer
              </button>
              <span class="muted">Page {trail().length + 1}</span>
              <button type="button" disabled={!p().nextCursor || page.loading} onClick={older}>
                Older
              </button>
            </nav>
          </>
        )}
      </Show>
    </section>
  )
}
