import { type Accessor, createEffect, createSignal, on, untrack } from 'solid-js'

export interface Fetched<T> {
  /** The latest answer (kept while a newer one loads, so views do not flicker). */
  data: Accessor<T | undefined>
  error: Accessor<unknown>
  loading: Accessor<boolean>
  refetch(): void
}

/**
 * Fetches whenever `source` changes (false/null/undefined: not now). Unlike createResource it
 * never suspends (the app's Suspense would blank the whole page on every refresh) and never
 * throws its error into the view; an answer to an older source is dropped.
 */
export function createFetch<S, T>(
  source: () => S | false | null | undefined,
  fetcher: (s: S) => Promise<T>,
): Fetched<T> {
  const [data, setData] = createSignal<T>()
  const [error, setError] = createSignal<unknown>()
  const [loading, setLoading] = createSignal(false)
  let seq = 0
  const run = (s: S) => {
    const n = ++seq
    setLoading(true)
    fetcher(s).then(
      (v) => {
        if (n !== seq) return
        setData(() => v)
        setError(undefined)
        setLoading(false)
      },
      (err) => {
        if (n !== seq) return
        setError(() => err)
        setLoading(false)
      },
    )
  }
  createEffect(
    on(source, (s) => {
      if (s === false || s === null || s === undefined) return
      run(s)
    }),
  )
  return {
    data,
    error,
    loading,
    refetch() {
      const s = untrack(source)
      if (s !== false && s !== null && s !== undefined) run(s)
    },
  }
}
