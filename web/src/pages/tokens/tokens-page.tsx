import { createResource, createSignal, For, Show } from 'solid-js'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { timeAgo } from '../../lib/format.ts'
import { hasScope } from '../../lib/session.ts'
import '../admin/admin.css'
import { LoadError } from '../../components/load-error.tsx'
import { Confirm } from '../admin/confirm.tsx'
import { createNotices } from '../admin/notices.tsx'
import { SecretOnce } from '../admin/secret-once.tsx'
import { withStepUp } from '../admin/step-up.ts'
import { CreateTokenDialog, type NewToken } from './create-token.tsx'

type ApiToken = Schemas['ApiToken']

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never')

/** `/tokens`: your API tokens; make one (its secret shown once), revoke one. */
export default function TokensPage() {
  const notices = createNotices()
  const [all, setAll] = createSignal(false)
  const [tokens, { mutate, refetch }] = createResource(
    // An object source: a bare `false` would keep the resource from fetching at all.
    () => ({ everyone: all() }),
    async ({ everyone }) => {
      const page = await call(
        client.GET('/api/tokens', { params: { query: { all: everyone ? 'true' : 'false' } } }),
      )
      return page.items
    },
  )
  const [creating, setCreating] = createSignal(false)
  const [busy, setBusy] = createSignal(false)
  const [created, setCreated] = createSignal<Schemas['CreatedApiToken']>()
  const [revoking, setRevoking] = createSignal<ApiToken>()

  const create = async (input: NewToken) => {
    setBusy(true)
    try {
      const made = await withStepUp(() => call(client.POST('/api/tokens', { body: input })))
      setCreating(false)
      const { token: _secret, ...listed } = made
      mutate([listed, ...(tokens() ?? [])])
      setCreated(made)
    } catch (err) {
      notices.add(`Could not create the token ${input.name}: ${errorMessage(err)}`)
    } finally {
      setBusy(false)
    }
  }

  // Optimistic: the row shows revoked at once and comes back if the gateway refuses.
  const revoke = async (t: ApiToken) => {
    const before = tokens() ?? []
    mutate(before.map((x) => (x.id === t.id ? { ...x, revokedAt: new Date().toISOString() } : x)))
    try {
      await withStepUp(() => call(client.DELETE('/api/tokens/{id}', { params: { path: { id: t.id } } })))
    } catch (err) {
      mutate((now) => (now ?? []).map((x) => (x.id === t.id ? { ...x, revokedAt: t.revokedAt } : x)))
      notices.add(`Could not revoke ${t.name}: ${errorMessage(err)}`)
    }
  }

  const expired = (t: ApiToken) => Date.parse(t.expiresAt) <= Date.now()
  const status = (t: ApiToken) => (t.revokedAt ? 'revoked' : expired(t) ? 'expired' : 'active')

  return (
    <section aria-labelledby="tokens-title">
      <div class="page-head">
        <h1 id="tokens-title">API tokens</h1>
        <div class="toolbar">
          <Show when={hasScope('admin')}>
            <label class="inline">
              <input type="checkbox" checked={all()} onChange={(e) => setAll(e.currentTarget.checked)} />{' '}
              Everyone's tokens
            </label>
          </Show>
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New token
          </button>
        </div>
      </div>
      <p class="muted">
        Tokens let the CLI and other tools act for you with the scopes you choose. Revoking one stops it at
        once.
      </p>
      <notices.View />
      <Show when={creating()}>
        <CreateTokenDialog
          busy={busy()}
          onCreate={(t) => void create(t)}
          onClose={() => setCreating(false)}
        />
      </Show>
      <Show when={created()} keyed>
        {(made) => (
          <SecretOnce
            title={`Token ${made.name} created`}
            label="Your new token"
            what="this token"
            secret={made.token}
            onClose={() => setCreated(undefined)}
          />
        )}
      </Show>
      <Show when={revoking()} keyed>
        {(t) => (
          <Confirm
            title={`Revoke ${t.name}?`}
            confirm="Revoke"
            onConfirm={() => void revoke(t)}
            onClose={() => setRevoking(undefined)}
          >
            <p>Anything using this token stops working at once. This cannot be undone.</p>
          </Confirm>
        )}
      </Show>
      <LoadError what="the tokens" error={tokens.error} onRetry={() => void refetch()} />
      <Show
        when={tokens()}
        fallback={
          <Show when={!tokens.error}>
            <p class="loading">Loading tokens…</p>
          </Show>
        }
      >
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="empty">No tokens yet.</p>}>
            <div class="table-wrap">
              <table class="data stack" aria-label="API tokens">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <Show when={all()}>
                      <th scope="col">Made by</th>
                    </Show>
                    <th scope="col">Scopes</th>
                    <th scope="col">Created</th>
                    <th scope="col">Expires</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  <For each={list()}>
                    {(t) => (
                      <tr classList={{ revoked: status(t) !== 'active' }} data-token={t.name}>
                        <td data-label="Name">{t.name}</td>
                        <Show when={all()}>
                          <td data-label="Made by" class="mono">
                            {t.createdBy}
                          </td>
                        </Show>
                        <td data-label="Scopes">
                          <ul class="chips" aria-label={`Scopes of ${t.name}`}>
                            <For each={t.scopes}>{(s) => <li>{s}</li>}</For>
                          </ul>
                        </td>
                        <td data-label="Created" title={when(t.createdAt)}>
                          {timeAgo(t.createdAt)}
                        </td>
                        <td data-label="Expires" title={when(t.expiresAt)}>
                          {timeAgo(t.expiresAt)}
                        </td>
                        <td data-label="Last used" title={when(t.lastUsedAt)}>
                          {t.lastUsedAt ? timeAgo(t.lastUsedAt) : 'never'}
                        </td>
                        <td data-label="Status">{status(t)}</td>
                        <td class="actions-cell">
                          <Show when={status(t) === 'active'}>
                            <button
                              type="button"
                              class="danger"
                              aria-label={`Revoke ${t.name}`}
                              onClick={() => setRevoking(t)}
                            >
                              Revoke
                            </button>
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        )}
      </Show>
    </section>
  )
}
