import { randomUUID } from 'node:crypto'
import type { JobQueue } from '../../jobs/queue.ts'

// Passphrases never go into a job's params (stored in SQLite, published in job events): the job
// carries a reference, the secret stays in this process's memory until the job is done. Keyed
// by the queue, so every app (and test) has its own. Export and import jobs are not resumable,
// so a restart, which forgets the secrets, also ends their jobs.
const byQueue = new WeakMap<JobQueue, Map<string, string>>()

function secrets(jobs: JobQueue): Map<string, string> {
  let m = byQueue.get(jobs)
  if (!m) {
    m = new Map()
    byQueue.set(jobs, m)
  }
  return m
}

/** Keeps `secret` for a job; returns the reference to put in its params (null for none). */
export function keepSecret(jobs: JobQueue, secret: string | undefined): string | null {
  if (!secret) return null
  const ref = randomUUID()
  secrets(jobs).set(ref, secret)
  return ref
}

/** Takes a kept secret out (it is used once). */
export function takeSecret(jobs: JobQueue, ref: string | null): string | undefined {
  if (!ref) return undefined
  const m = secrets(jobs)
  const s = m.get(ref)
  m.delete(ref)
  return s
}
