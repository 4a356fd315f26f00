import { createSignal, type JSX } from 'solid-js'
import { Progress } from './progress.tsx'

/**
 * Pick a file, or drop one here: a labelled file input (keyboard and screen readers) inside a
 * zone that also takes a dropped file.
 */
export function FileDrop(props: {
  label: string
  accept: string
  onFile: (file: File) => void
  hint?: JSX.Element
}) {
  const [over, setOver] = createSignal(false)
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is a shortcut; the file input inside is the accessible way
    <section
      class="file-drop"
      classList={{ over: over() }}
      onDragOver={(e) => {
        e.preventDefault()
        e.stopPropagation()
        setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault()
        e.stopPropagation()
        setOver(false)
        const file = e.dataTransfer?.files[0]
        if (file) props.onFile(file)
      }}
    >
      <label>
        {props.label}
        <input
          type="file"
          accept={props.accept}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0]
            if (file) props.onFile(file)
          }}
        />
      </label>
      <p class="muted">or drop it here. {props.hint}</p>
    </section>
  )
}

/** An upload's progress: a labelled bar with the bytes sent. */
export function UploadProgress(props: { name: string; sent: number; total: number }) {
  const pct = () => (props.total > 0 ? Math.round((props.sent / props.total) * 100) : undefined)
  return (
    <div class="upload-progress">
      <p>
        Uploading {props.name}
        <Progress
          label={`Uploading ${props.name}`}
          fraction={pct() === undefined ? undefined : (pct() as number) / 100}
        />
      </p>
      <p class="muted" aria-live="polite">
        {pct() === undefined
          ? `${formatMB(props.sent)} sent`
          : `${pct()}% — ${formatMB(props.sent)} of ${formatMB(props.total)}`}
      </p>
    </div>
  )
}

const formatMB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`
