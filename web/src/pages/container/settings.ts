import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import type { Container } from '../../lib/state.ts'
import type { PanelStore } from '../../lib/store.ts'

export type ContainerPatch = Schemas['ContainerPatch']

/** A plain copy of a container of the store (the store hands out proxies that later change). */
const copy = (c: Container): Container => JSON.parse(JSON.stringify(c)) as Container

/**
 * Applies a change optimistically: the store shows it at once, the gateway's answer replaces it,
 * and a refusal puts the container back as it was. Resolves to the problem's message on failure.
 */
export async function updateContainer(
  store: PanelStore,
  id: string,
  patch: ContainerPatch,
): Promise<string | undefined> {
  const current = store.state.containers[id]
  if (!current) return 'this container is not loaded'
  const before = copy(current)
  const limits = patch.limits
    ? { memoryMb: patch.limits.memoryMb ?? null, pids: patch.limits.pids ?? null }
    : before.limits
  store.dispatch({
    type: 'local.container',
    container: {
      ...before,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.version !== undefined ? { version: patch.version } : {}),
      ...(patch.env ? { env: patch.env } : {}),
      ...(patch.network ? { network: patch.network } : {}),
      ...(patch.display ? { display: patch.display } : {}),
      ...(patch.labels ? { labels: patch.labels } : {}),
      limits,
    },
  })
  try {
    const after = await call(client.PATCH('/api/containers/{id}', { params: { path: { id } }, body: patch }))
    store.dispatch({ type: 'local.container', container: after })
    return undefined
  } catch (err) {
    store.dispatch({ type: 'local.container', container: before })
    return errorMessage(err)
  }
}

/** `KEY=value` lines of a map, sorted by key (how the settings form shows env and labels). */
export const mapToLines = (m: Record<string, string>): string =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join('\n')

/** A whole number field: '' is null (unlimited), anything else must be an integer. */
export function parseLimit(text: string, label: string): { value: number | null } | { error: string } {
  const t = text.trim()
  if (t === '') return { value: null }
  if (!/^\d+$/.test(t)) return { error: `${label}: a whole number, or empty for no limit` }
  return { value: Number(t) }
}
