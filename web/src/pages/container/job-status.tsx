import { Show } from 'solid-js'
import { isFinished, jobFraction } from '../../lib/jobs.ts'
import type { Job } from '../../lib/state.ts'

/** A job the page started: its phase and progress while it runs, then how it ended. */
export function JobStatus(props: { job: Job | undefined; label: string; done?: string }) {
  const j = () => props.job
  const fraction = () => jobFraction(j())
  return (
    <div class="job-status" role="status" data-job-state={j()?.state ?? 'queued'}>
      <Show
        when={isFinished(j())}
        fallback={
          <>
            <span>
              {props.label}:{' '}
              {j()?.state === 'queued' || !j() ? 'waiting for its turn…' : (j()?.phase ?? 'working…')}
              <Show when={j()?.progress?.message}> — {j()?.progress?.message}</Show>
            </span>
            <Show
              when={fraction() !== undefined}
              fallback={<progress aria-label={`${props.label} progress`} />}
            >
              <progress aria-label={`${props.label} progress`} value={fraction()} max="1" />
            </Show>
          </>
        }
      >
        <Show
          when={j()?.state === 'succeeded'}
          fallback={
            <span class="error" role="alert">
              {props.label} {j()?.state === 'canceled' ? 'was canceled' : 'failed'}:{' '}
              {j()?.error?.message ?? 'no reason given'}
            </span>
          }
        >
          <span class="ok">{props.done ?? `${props.label}: done`}</span>
        </Show>
      </Show>
    </div>
  )
}
