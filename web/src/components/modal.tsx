import { type JSX, onCleanup, onMount } from 'solid-js'

/**
 * A modal dialog (the native <dialog>: focus is trapped, Escape closes, the page behind is inert).
 * It is open while mounted: render it under <Show> and `onClose` unmounts it.
 */
export function Modal(props: { title: string; onClose: () => void; children: JSX.Element; wide?: boolean }) {
  let dialog!: HTMLDialogElement
  const id = `dialog-${Math.random().toString(36).slice(2, 8)}`
  onMount(() => {
    if (typeof dialog.showModal === 'function') dialog.showModal()
    else dialog.setAttribute('open', '') // jsdom has no showModal
  })
  onCleanup(() => dialog.open && dialog.close?.())
  return (
    <dialog
      ref={dialog}
      aria-labelledby={id}
      classList={{ wide: props.wide }}
      onCancel={(e) => {
        e.preventDefault()
        props.onClose()
      }}
    >
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </dialog>
  )
}
