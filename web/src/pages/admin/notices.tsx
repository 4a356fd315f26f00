import { createSignal, For } from 'solid-js'

/** A page's error messages (the problem's message of each refused action), each dismissable. */
export function createNotices() {
  const [list, setList] = createSignal<Array<{ id: number; text: string }>>([])
  let seq = 0
  const add = (text: string) => setList([...list(), { id: ++seq, text }])
  const clear = () => setList([])
  const View = () => (
    <div aria-live="assertive">
      <For each={list()}>
        {(n) => (
          <div class="error" role="alert">
            {n.text}{' '}
            <button
              type="button"
              aria-label="Dismiss"
              onClick={() => setList(list().filter((x) => x.id !== n.id))}
            >
              ×
            </button>
          </div>
        )}
      </For>
    </div>
  )
  return { add, clear, View, list }
}
