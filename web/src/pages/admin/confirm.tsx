import type { JSX } from 'solid-js'
import { Modal } from '../../components/modal.tsx'

/** "Are you sure?" for an action that cannot be undone; the dialog focuses Cancel first (the safe choice). */
export function Confirm(props: {
  title: string
  children: JSX.Element
  confirm: string
  onConfirm: () => void
  onClose: () => void
}) {
  return (
    <Modal title={props.title} onClose={props.onClose}>
      {props.children}
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            props.onConfirm()
            props.onClose()
          }}
        >
          {props.confirm}
        </button>
      </div>
    </Modal>
  )
}
