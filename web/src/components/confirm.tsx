import type { JSX } from 'solid-js'
import { Modal } from './modal.tsx'

/**
 * "Are you sure?" for one action: the question as the title, what will happen as the body,
 * Cancel and the action's button (red when `danger`: it destroys something).
 */
export function Confirm(props: {
  title: string
  action: string
  danger?: boolean
  onConfirm: () => void
  onClose: () => void
  children: JSX.Element
}) {
  return (
    <Modal title={props.title} onClose={props.onClose}>
      {props.children}
      <div class="actions">
        <button type="button" onClick={() => props.onClose()}>
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? 'primary danger-fill' : 'primary'}
          onClick={() => props.onConfirm()}
        >
          {props.action}
        </button>
      </div>
    </Modal>
  )
}
