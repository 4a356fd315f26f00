// The panel's live state and the one pure function that changes it. Server events and the
// panel's own actions (lists loaded, optimistic cards) go through `reduce`; nothing else writes.
import type { components } from '../../../sdk-gen/client.ts'
import type { OrbitEvent } from './events.ts'

type S = components['schemas']
export type Container = S['Container']
export type Job = S['Job']
export type Run = S['Run']

/** A container being created: shown at once, replaced by the real one or rolled back. */
export interface PendingContainer {
  key: string
  name: string
  runtime: 'wine' | 'native'
  network: 'none' | 'host'
  /** Set when the gateway answered 202: the id it will have and the job making the base runtime. */
  containerId?: string
  jobId?: string
}

export interface RunOutput {
  /** The most recent text (both streams, in order), capped at MAX_OUTPUT characters. */
  text: string
  /** The end of what we hold, in bytes of the run's log: a replayed chunk before it is skipped. */
  end: number
  truncated: boolean
}

export interface InstallFeed {
  jobId: string
  containerId: string
  phase: string
  message: string | null
  /** The installer's latest output lines, capped at MAX_LINES. */
  lines: string[]
}

export interface PanelState {
  containers: Record<string, Container>
  /** Set once the container list has been fetched, so the dashboard can tell empty from loading. */
  containersLoaded: boolean
  pending: Record<string, PendingContainer>
  jobs: Record<string, Job>
  runs: Record<string, Run>
  output: Record<string, RunOutput>
  installs: Record<string, InstallFeed>
  /** The id of the last event applied. */
  lastEventId: number
  /** The stream reset (events were missed): lists must be fetched again. */
  stale: boolean
}

export const MAX_OUTPUT = 256 * 1024
export const MAX_LINES = 200
export const MAX_JOBS = 500

export const initialState = (): PanelState => ({
  containers: {},
  containersLoaded: false,
  pending: {},
  jobs: {},
  runs: {},
  output: {},
  installs: {},
  lastEventId: 0,
  stale: false,
})

/** The panel's own changes, beside the server's events. */
export type LocalAction =
  /**
   * A fetched list; `replay` holds the container events that arrived while it was being fetched
   * (the list may predate them), applied on top of it in order.
   */
  | { type: 'local.containers'; items: Container[]; replay?: OrbitEvent[] }
  | { type: 'local.container'; container: Container }
  | { type: 'local.jobs'; items: Job[] }
  | { type: 'local.job'; job: Job }
  | { type: 'local.runs'; items: Run[] }
  | { type: 'local.pending'; pending: PendingContainer }
  | { type: 'local.pending.done'; key: string }
  | { type: 'local.reset' }

export type Action = LocalAction | OrbitEvent

const without = <T>(rec: Record<string, T>, key: string): Record<string, T> => {
  if (!(key in rec)) return rec
  const { [key]: _, ...rest } = rec
  return rest
}

const encoder = new TextEncoder()

/** Records a run, and makes it its container's last run unless that one started later. */
function withRun(state: PanelState, run: Run): PanelState {
  const runs = { ...state.runs, [run.id]: run }
  const c = state.containers[run.containerId]
  const last = c?.lastRun
  if (!c || (last && last.id !== run.id && last.startedAt > run.startedAt)) return { ...state, runs }
  const { id, state: runState, exitCode, signal, startedAt, finishedAt } = run
  const lastRun = { id, state: runState, exitCode, signal, startedAt, finishedAt }
  return { ...state, runs, containers: { ...state.containers, [c.id]: { ...c, lastRun } } }
}

function withJob(state: PanelState, job: Job): PanelState {
  let jobs = { ...state.jobs, [job.id]: job }
  const ids = Object.keys(jobs)
  if (ids.length > MAX_JOBS) {
    // Forget the oldest finished jobs; a running one is always kept.
    const done = ids
      .map((id) => jobs[id] as Job)
      .filter((j) => j.finishedAt !== null)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
    for (const j of done.slice(0, ids.length - MAX_JOBS)) jobs = without(jobs, j.id)
  }
  return { ...state, jobs }
}

function withOutput(state: PanelState, d: RunOutputData): PanelState {
  const prev = state.output[d.runId] ?? { text: '', end: 0, truncated: false }
  const bytes = encoder.encode(d.text).length
  if (d.offset + bytes <= prev.end) return state // a replay of what we hold
  let text = prev.text + d.text
  let truncated = prev.truncated
  if (text.length > MAX_OUTPUT) {
    text = text.slice(text.length - MAX_OUTPUT)
    truncated = true
  }
  return { ...state, output: { ...state.output, [d.runId]: { text, end: d.offset + bytes, truncated } } }
}

function withInstall(state: PanelState, d: InstallProgressData): PanelState {
  const prev = state.installs[d.jobId]
  const lines = prev?.lines ?? []
  const next: InstallFeed = {
    jobId: d.jobId,
    containerId: d.containerId,
    phase: d.phase,
    message: 'message' in d && d.message !== undefined ? d.message : (prev?.message ?? null),
    lines: typeof d.line === 'string' ? [...lines, d.line].slice(-MAX_LINES) : lines,
  }
  return { ...state, installs: { ...state.installs, [d.jobId]: next } }
}

interface StateChange {
  id: string
  state: Container['state']
  reason: string | null
}
interface JobProgressData {
  id: string
  phase: string | null
  progress: Job['progress']
}
interface RunOutputData {
  runId: string
  containerId: string
  stream: 'stdout' | 'stderr'
  text: string
  offset: number
}
interface InstallProgressData {
  jobId: string
  containerId: string
  phase: string
  line?: string
  message?: string
}

function applyEvent(state: PanelState, e: OrbitEvent): PanelState {
  switch (e.type) {
    case 'container.created':
    case 'container.updated': {
      const c = e.data as Container
      // A pending card for this container is done: the real one takes its place.
      const pending = Object.values(state.pending).find((p) => p.containerId === c.id || p.name === c.name)
      return {
        ...state,
        containers: { ...state.containers, [c.id]: c },
        pending: pending ? without(state.pending, pending.key) : state.pending,
      }
    }
    case 'container.deleted': {
      const { id } = e.data as { id: string }
      return { ...state, containers: without(state.containers, id) }
    }
    case 'container.state': {
      const d = e.data as StateChange
      const c = state.containers[d.id]
      if (!c) return state
      const next = { ...c, state: d.state, stateReason: d.reason, stateChangedAt: e.time }
      return { ...state, containers: { ...state.containers, [d.id]: next } }
    }
    case 'container.disk': {
      const d = e.data as { id: string; disk: Container['disk'] }
      const c = state.containers[d.id]
      if (!c) return state
      return { ...state, containers: { ...state.containers, [d.id]: { ...c, disk: d.disk } } }
    }
    case 'job.progress': {
      const d = e.data as JobProgressData
      const j = state.jobs[d.id]
      if (!j || j.finishedAt !== null) return state
      return { ...state, jobs: { ...state.jobs, [d.id]: { ...j, phase: d.phase, progress: d.progress } } }
    }
    case 'run.started':
    case 'run.ended':
      return withRun(state, e.data as Run)
    case 'run.output':
      return withOutput(state, e.data as RunOutputData)
    case 'install.progress':
      return withInstall(state, e.data as InstallProgressData)
    default:
      if (e.type.startsWith('job.')) {
        const job = e.data as Job
        // A pending container whose creation job failed is rolled back by the dashboard, which
        // reads the job's error; here the job is just recorded.
        const next = withJob(state, job)
        // An install's end changes what the container holds, but only its state is announced.
        const c = job.containerId ? next.containers[job.containerId] : undefined
        if (e.type === 'job.succeeded' && job.kind === 'container.install' && c && !c.installed) {
          return {
            ...next,
            containers: { ...next.containers, [c.id]: { ...c, installed: true, updatedAt: e.time } },
          }
        }
        return next
      }
      return state
  }
}

/**
 * A fetched job older than what the stream already told us (an HTTP answer can arrive after the
 * events about the same job): it must not undo them.
 */
function staleJob(state: PanelState, job: Job): boolean {
  const known = state.jobs[job.id]
  if (!known) return false
  return known.updatedAt > job.updatedAt || (known.updatedAt === job.updatedAt && known.finishedAt !== null)
}

/** The one way state changes: pure, so a replay of the same events gives the same state. */
export function reduce(state: PanelState, action: Action): PanelState {
  if (!action.type.startsWith('local.')) {
    const e = action as OrbitEvent
    if (e.id <= state.lastEventId) return state // already applied (a resume overlaps)
    return { ...applyEvent(state, e), lastEventId: e.id }
  }
  const a = action as LocalAction
  switch (a.type) {
    case 'local.containers': {
      const containers: Record<string, Container> = {}
      for (const c of a.items) containers[c.id] = c
      const names = new Set(a.items.map((c) => c.name))
      let pending = state.pending
      for (const p of Object.values(pending)) if (names.has(p.name)) pending = without(pending, p.key)
      let next: PanelState = { ...state, containers, pending, containersLoaded: true, stale: false }
      for (const e of a.replay ?? []) next = applyEvent(next, e)
      return next
    }
    case 'local.container':
      return { ...state, containers: { ...state.containers, [a.container.id]: a.container } }
    case 'local.jobs':
      return a.items.filter((j) => !staleJob(state, j)).reduce(withJob, state)
    case 'local.job':
      return staleJob(state, a.job) ? state : withJob(state, a.job)
    case 'local.runs':
      return a.items.reduce(withRun, state)
    case 'local.pending':
      return { ...state, pending: { ...state.pending, [a.pending.key]: a.pending } }
    case 'local.pending.done':
      return { ...state, pending: without(state.pending, a.key) }
    case 'local.reset':
      return { ...state, stale: true }
  }
}
