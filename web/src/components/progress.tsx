import { Show } from 'solid-js'

/**
 * A progress bar: determinate for a fraction (0..1), indeterminate (animated) without one. A
 * <progress> must never get `value={undefined}`: the browser refuses a non-finite number.
 */
export function Progress(props: { label: string; fraction: number | undefined }) {
  return (
    <Show
      when={props.fraction !== undefined && Number.isFinite(props.fraction)}
      fallback={<progress aria-label={props.label} />}
    >
      <progress aria-label={props.label} max={1} value={props.fraction as number} />
    </Show>
  )
}
