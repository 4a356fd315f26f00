import { createResource, createSignal, For, Show } from 'solid-js'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { timeAgo } from '../../lib/format.ts'
import '../admin/admin.css'
import { LoadError } from '../../components/load-error.tsx'
import { Confirm } from '../admin/confirm.tsx'
import { createNotices } from '../admin/notices.tsx'
import { withStepUp } from '../admin/step-up.ts'

type Passkey = Schemas['Passkey']

/** `/passkeys`: your passkeys; add one on this device, rename, remove (never the last one). */
export default function PasskeysPage() {
  const notices = createNotices()
  const [keys, { mutate, refetch }] = createResource(
    async () => (await call(client.GET('/api/passkeys'))).items,
  )
  const [adding, setAdding] = createSignal(false)
  const [editing, setEditing] = createSignal<string>()
  const [removing, setRemoving] = createSignal<Passkey>()

  const add = async (form: HTMLFormElement) => {
    const name = String(new FormData(form).get('name') ?? '').trim()
    setAdding(true)
    try {
      // The WebAuthn helper loads only when a passkey is really being made.
      const { addPasskey } = await import('./register.ts')
      const made = await addPasskey(name)
      mutate([...(keys() ?? []), made])
      form.reset()
    } catch (err) {
      notices.add(`Could not add the passkey: ${errorMessage(err)}`)
    } finally {
      setAdding(false)
    }
  }

  // Optimistic rename and removal: the list changes at once and comes back on a refusal.
  // Closing the inline editor puts the focus back on the row's Rename button (keyboard users stay put).
  const stopEditing = (id: string) => {
    setEditing(undefined)
    queueMicrotask(() => {
      for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-rename]'))
        if (b.dataset.rename === id) b.focus()
    })
  }
  const rename = async (p: Passkey, name: string) => {
    stopEditing(p.id)
    if (!name || name === p.name) return
    mutate((now) => (now ?? []).map((x) => (x.id === p.id ? { ...x, name } : x)))
    try {
      await call(client.PATCH('/api/passkeys/{id}', { params: { path: { id: p.id } }, body: { name } }))
    } catch (err) {
      mutate((now) => (now ?? []).map((x) => (x.id === p.id ? { ...x, name: p.name } : x)))
      notices.add(`Could not rename ${p.name}: ${errorMessage(err)}`)
    }
  }
  const remove = async (p: Passkey) => {
    mutate((now) => (now ?? []).filter((x) => x.id !== p.id))
    try {
      await withStepUp(() => call(client.DELETE('/api/passkeys/{id}', { params: { path: { id: p.id } } })))
    } catch (err) {
      mutate((now) => {
        const list = now ?? []
        if (list.some((x) => x.id === p.id)) return list
        return [...list, p].sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      })
      notices.add(`Could not remove ${p.name}: ${errorMessage(err)}`)
    }
  }
  const last = () => (keys() ?? []).length <= 1

  return (
    <section aria-labelledby="passkeys-title">
      <div class="page-head">
        <h1 id="passkeys-title">Passkeys</h1>
      </div>
      <p class="muted">
        You sign in with any of these. Keep at least two, on different devices, so losing one does not lock
        you out.
      </p>
      <notices.View />
      <form
        class="filters"
        aria-label="Add a passkey"
        onSubmit={(e) => {
          e.preventDefault()
          void add(e.currentTarget)
        }}
      >
        <label>
          Name for the new passkey
          <input name="name" required maxLength={100} placeholder="e.g. Work laptop" autocomplete="off" />
        </label>
        <button type="submit" class="primary" style={{ 'align-self': 'end' }} disabled={adding()}>
          {adding() ? 'Waiting for your authenticator…' : 'Add a passkey'}
        </button>
      </form>
      <Show when={removing()} keyed>
        {(p) => (
          <Confirm
            title={`Remove ${p.name}?`}
            confirm="Remove"
            onConfirm={() => void remove(p)}
            onClose={() => setRemoving(undefined)}
          >
            <p>You will no longer be able to sign in with this passkey.</p>
          </Confirm>
        )}
      </Show>
      <LoadError what="your passkeys" error={keys.error} onRetry={() => void refetch()} />
      <Show
        when={keys()}
        fallback={
          <Show when={!keys.error}>
            <p class="loading">Loading passkeys…</p>
          </Show>
        }
      >
        {(list) => (
          <div class="table-wrap">
            <table class="data stack" aria-label="Your passkeys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Added</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Kind</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(p) => (
                    <tr data-passkey={p.name}>
                      <td data-label="Name">
                        <Show when={editing() === p.id} fallback={p.name}>
                          <form
                            class="inline-form"
                            onSubmit={(e) => {
                              e.preventDefault()
                              void rename(p, String(new FormData(e.currentTarget).get('name') ?? '').trim())
                            }}
                          >
                            <input
                              name="name"
                              aria-label={`New name for ${p.name}`}
                              value={p.name}
                              required
                              maxLength={100}
                              ref={(el) => queueMicrotask(() => el.select())}
                              onKeyDown={(e) => {
                                if (e.key !== 'Escape') return
                                e.preventDefault()
                                stopEditing(p.id)
                              }}
                            />
                            <button type="submit">Save</button>
                          </form>
                        </Show>
                      </td>
                      <td data-label="Added" title={new Date(p.createdAt).toLocaleString()}>
                        {timeAgo(p.createdAt)}
                      </td>
                      <td data-label="Last used">{p.lastUsedAt ? timeAgo(p.lastUsedAt) : 'never'}</td>
                      <td data-label="Kind">{p.backedUp ? 'synced' : 'this device only'}</td>
                      <td class="actions-cell">
                        <button
                          type="button"
                          aria-label={`Rename ${p.name}`}
                          data-rename={p.id}
                          onClick={() => setEditing(p.id)}
                        >
                          Rename
                        </button>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Remove ${p.name}`}
                          disabled={last()}
                          title={
                            last() ? 'Your last passkey: add another before removing this one' : undefined
                          }
                          onClick={() => setRemoving(p)}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        )}
      </Show>
      <Show when={keys() && last()}>
        <p class="muted">This is your only passkey, so it cannot be removed: add another first.</p>
      </Show>
    </section>
  )
}
