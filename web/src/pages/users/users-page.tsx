import { createResource, createSignal, For, Show } from 'solid-js'
import { Modal } from '../../components/modal.tsx'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { timeAgo } from '../../lib/format.ts'
import { session } from '../../lib/session.ts'
import '../admin/admin.css'
import { LoadError } from '../../components/load-error.tsx'
import { Confirm } from '../admin/confirm.tsx'
import { createNotices } from '../admin/notices.tsx'
import { SecretOnce } from '../admin/secret-once.tsx'
import { withStepUp } from '../admin/step-up.ts'

type User = Schemas['User']
type Role = User['role']
const roles: Role[] = ['viewer', 'operator', 'admin']
const roleHelp: Record<Role, string> = {
  viewer: 'sees everything, changes nothing',
  operator: 'also creates, changes and runs containers',
  admin: 'also manages users, tokens and the configuration',
}

/**
 * `/users` (admins): every user and role. Invite someone (a one-time enrollment link, shown
 * once), change a role, disable or enable an account. The API has no deletion: disabling ends the
 * user's sessions and stops their tokens and passkeys.
 */
export default function UsersPage() {
  const notices = createNotices()
  const [users, { mutate, refetch }] = createResource(
    async () => (await call(client.GET('/api/users'))).items,
  )
  const [inviting, setInviting] = createSignal(false)
  const [busy, setBusy] = createSignal(false)
  const [invitation, setInvitation] = createSignal<Schemas['Invitation']>()
  const [disabling, setDisabling] = createSignal<User>()

  const invite = async (body: { name: string; role: Role; expiresIn: string }) => {
    setBusy(true)
    try {
      const made = await withStepUp(() => call(client.POST('/api/users/invites', { body })))
      setInviting(false)
      setInvitation(made)
    } catch (err) {
      notices.add(`Could not invite ${body.name}: ${errorMessage(err)}`)
    } finally {
      setBusy(false)
    }
  }

  // Optimistic: the row changes at once and is put back if the gateway refuses.
  const update = async (u: User, change: { role?: Role; disabled?: boolean }, what: string) => {
    const put = (x: Partial<User>) =>
      mutate((now) => (now ?? []).map((y) => (y.id === u.id ? { ...y, ...x } : y)))
    put(change)
    try {
      const fresh = await withStepUp(() =>
        call(client.PATCH('/api/users/{id}', { params: { path: { id: u.id } }, body: change })),
      )
      put(fresh)
    } catch (err) {
      put({ role: u.role, disabled: u.disabled })
      notices.add(`Could not ${what} ${u.name}: ${errorMessage(err)}`)
    }
  }
  const me = () => session()?.user?.id

  return (
    <section aria-labelledby="users-title">
      <div class="page-head">
        <h1 id="users-title">Users</h1>
        <button type="button" class="primary" onClick={() => setInviting(true)}>
          Invite a user
        </button>
      </div>
      <notices.View />
      <Show when={inviting()}>
        <InviteDialog busy={busy()} onInvite={(b) => void invite(b)} onClose={() => setInviting(false)} />
      </Show>
      <Show when={invitation()} keyed>
        {(inv) => (
          <SecretOnce
            title={`Invitation for ${inv.name}`}
            label={`Enrollment link (${inv.role}, works once, until ${new Date(inv.expiresAt).toLocaleString()})`}
            what="this link and give it to the person only"
            secret={inv.url}
            onClose={() => {
              setInvitation(undefined)
              void refetch()
            }}
          />
        )}
      </Show>
      <Show when={disabling()} keyed>
        {(u) => (
          <Confirm
            title={`Disable ${u.name}?`}
            confirm="Disable"
            onConfirm={() => void update(u, { disabled: true }, 'disable')}
            onClose={() => setDisabling(undefined)}
          >
            <p>Their sessions end at once, and their tokens and passkeys stop working until enabled again.</p>
          </Confirm>
        )}
      </Show>
      <LoadError what="the users" error={users.error} onRetry={() => void refetch()} />
      <Show
        when={users()}
        fallback={
          <Show when={!users.error}>
            <p class="loading">Loading users…</p>
          </Show>
        }
      >
        {(list) => (
          <div class="table-wrap">
            <table class="data stack" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Passkeys</th>
                  <th scope="col">Created</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(u) => (
                    <tr classList={{ disabled: u.disabled }} data-user={u.name}>
                      <td data-label="Name">
                        {u.name}
                        <Show when={u.id === me()}>
                          {' '}
                          <span class="muted">(you)</span>
                        </Show>
                      </td>
                      <td data-label="Role">
                        <select
                          aria-label={`Role of ${u.name}`}
                          value={u.role}
                          onChange={(e) => {
                            const role = e.currentTarget.value as Role
                            // Keep the select on the store's value until the answer (or rollback).
                            e.currentTarget.value = u.role
                            void update(u, { role }, 'change the role of')
                          }}
                        >
                          <For each={roles}>{(r) => <option value={r}>{r}</option>}</For>
                        </select>
                      </td>
                      <td data-label="Passkeys">{u.passkeys}</td>
                      <td data-label="Created" title={new Date(u.createdAt).toLocaleString()}>
                        {timeAgo(u.createdAt)}
                      </td>
                      <td data-label="State">{u.disabled ? 'disabled' : 'active'}</td>
                      <td class="actions-cell">
                        <Show
                          when={u.disabled}
                          fallback={
                            <button
                              type="button"
                              class="danger"
                              aria-label={`Disable ${u.name}`}
                              onClick={() => setDisabling(u)}
                            >
                              Disable
                            </button>
                          }
                        >
                          <button
                            type="button"
                            aria-label={`Enable ${u.name}`}
                            onClick={() => void update(u, { disabled: false }, 'enable')}
                          >
                            Enable
                          </button>
                        </Show>
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        )}
      </Show>
    </section>
  )
}

const lifetimes: Array<[string, string]> = [
  ['1h', '1 hour'],
  ['24h', '24 hours'],
  ['3d', '3 days'],
  ['7d', '7 days'],
]

function InviteDialog(props: {
  busy: boolean
  onInvite: (b: { name: string; role: Role; expiresIn: string }) => void
  onClose: () => void
}) {
  return (
    <Modal title="Invite a user" onClose={props.onClose}>
      <form
        class="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          const d = new FormData(e.currentTarget)
          props.onInvite({
            name: String(d.get('name') ?? '').trim(),
            role: String(d.get('role')) as Role,
            expiresIn: String(d.get('expiresIn') ?? '24h'),
          })
        }}
      >
        <label>
          Name
          <input name="name" required maxLength={100} autocomplete="off" />
        </label>
        <label>
          Role
          <select name="role" value="viewer">
            <For each={roles}>{(r) => <option value={r}>{`${r} — ${roleHelp[r]}`}</option>}</For>
          </select>
        </label>
        <label>
          The link works for
          <select name="expiresIn" value="24h">
            <For each={lifetimes}>{([v, l]) => <option value={v}>{l}</option>}</For>
          </select>
        </label>
        <p class="muted">They register their own passkey with the link; it works once.</p>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={props.busy}>
            {props.busy ? 'Inviting…' : 'Create the link'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
