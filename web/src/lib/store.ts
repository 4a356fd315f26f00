import { createRoot } from 'solid-js'
import { createStore, reconcile } from 'solid-js/store'
import { call, client } from './api.ts'
import type { EventStream, OrbitEvent, StreamMessage } from './events.ts'
import { type Action, type Container, initialState, type PanelState, reduce } from './state.ts'

export interface PanelStore {
  /** The live state (a Solid store: read it in JSX or effects and it tracks). */
  readonly state: PanelState
  dispatch(action: Action): void
  /** Feeds the store from an event stream; returns the unsubscribe. */
  follow(stream: EventStream): () => void
  /** Fetches the container list (every page) into the state. */
  loadContainers(): Promise<void>
}

/** How long a list fetch waits for the event stream to be live before it goes ahead anyway. */
const STREAM_WAIT_MS = 3000

/**
 * A Solid store driven by the pure reducer: every action computes the next state, then only the
 * top-level parts that changed are reconciled into the store, so a card re-renders only when its
 * own container changed.
 */
export function createPanelStore(
  load: () => Promise<PanelState['containers'][string][]> = fetchAllContainers,
): PanelStore {
  const [state, setState] = createRoot(() => createStore<PanelState>(initialState()))
  let current = initialState()

  // Container events that arrive while the list is being fetched, to apply on top of it.
  let inflight: OrbitEvent[] | undefined
  const dispatch = (action: Action) => {
    if (inflight && action.type.startsWith('container.')) inflight.push(action as OrbitEvent)
    const next = reduce(current, action)
    if (next === current) return
    // The pure state moves on first, so a view that throws while updating cannot leave it behind.
    const prev = current
    current = next
    for (const key of Object.keys(next) as Array<keyof PanelState>) {
      const value = next[key]
      if (value === prev[key]) continue
      // biome-ignore lint/suspicious/noExplicitAny: one key at a time, typed by PanelState
      const set = setState as (k: keyof PanelState, v: any) => void
      set(key, typeof value === 'object' ? reconcile(value, { key: 'id', merge: true }) : value)
    }
  }

  // The list is fetched once the followed stream is live: a change made before the stream
  // connects is in the list, and one made after reaches the store as an event. Fetched first,
  // a change landing between the fetch and the connection would be in neither, for good.
  let following = false
  let live = false
  const waiting = new Set<() => void>()
  const streamLive = () =>
    !following || live
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          // Bounded: a stream that cannot connect (no events:read) must not hold the list back.
          const timer = setTimeout(done, STREAM_WAIT_MS)
          function done() {
            clearTimeout(timer)
            waiting.delete(done)
            resolve()
          }
          waiting.add(done)
        })

  const loadContainers = async () => {
    if (following && !live) await streamLive()
    const mine: OrbitEvent[] = []
    inflight = mine
    let items: Container[]
    try {
      items = await load()
    } finally {
      if (inflight === mine) inflight = undefined
    }
    dispatch({ type: 'local.containers', items, replay: mine })
  }

  const follow = (stream: EventStream) => {
    following = true
    return stream.subscribe((msg: StreamMessage) => {
      if (msg.kind === 'ready') {
        live = true
        for (const wake of [...waiting]) wake()
      } else if (msg.kind === 'event') dispatch(msg.event)
      else if (msg.kind === 'reset') {
        dispatch({ type: 'local.reset' })
        void loadContainers().catch(() => {})
      }
    })
  }

  return { state, dispatch, follow, loadContainers }
}

async function fetchAllContainers() {
  const items: PanelState['containers'][string][] = []
  let cursor: string | undefined
  do {
    const page = await call(
      client.GET('/api/containers', { params: { query: { limit: 1000, ...(cursor ? { cursor } : {}) } } }),
    )
    items.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return items
}

/** The panel's store. */
export const panel: PanelStore = createPanelStore()

// `localStorage['orbit.debug'] = '1'` also exposes the store, to look at the state from devtools.
if (typeof localStorage !== 'undefined' && localStorage.getItem('orbit.debug') === '1') {
  ;(globalThis as { orbitPanel?: PanelStore }).orbitPanel = panel
}
