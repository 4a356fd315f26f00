import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { EventBus } from '../events/bus.ts'
import type { OrbitEvent } from '../events/types.ts'

/**
 * The gateway's Prometheus metrics, on a registry of its own (not prom-client's global one) so several
 * apps in one process — tests — never collide. Job and run figures come from the event bus, so every
 * service that publishes its events is measured without knowing about metrics.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly httpDuration = new Histogram({
    name: 'orbit_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  })
  readonly jobDuration = new Histogram({
    name: 'orbit_job_duration_seconds',
    help: 'Duration of finished jobs by kind and outcome',
    labelNames: ['kind', 'state'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 900],
    registers: [this.registry],
  })
  readonly jobFailures = new Counter({
    name: 'orbit_job_failures_total',
    help: 'Failed jobs by kind and error code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  })
  readonly runsActive = new Gauge({
    name: 'orbit_runs_active',
    help: 'Programs running in containers now',
    registers: [this.registry],
  })
  readonly runExits = new Counter({
    name: 'orbit_run_exits_total',
    help: 'Finished runs by exit code (or signal)',
    labelNames: ['exit'] as const,
    registers: [this.registry],
  })
  #unsubscribe: (() => void) | undefined

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'orbit_' })
  }

  /** Follows job and run events on the bus. */
  follow(bus: EventBus): void {
    this.#unsubscribe = bus.subscribe((e) => this.#onEvent(e), { types: ['job.*', 'run.*'] })
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpDuration.observe({ route, method, status: String(status) }, seconds)
  }

  #onEvent(e: OrbitEvent): void {
    const d = (e.data ?? {}) as Record<string, unknown>
    if (e.type === 'job.succeeded' || e.type === 'job.failed' || e.type === 'job.canceled') {
      const kind = String(d.kind ?? 'unknown')
      const started = typeof d.startedAt === 'string' ? Date.parse(d.startedAt) : Number.NaN
      const finished = typeof d.finishedAt === 'string' ? Date.parse(d.finishedAt) : Number.NaN
      if (Number.isFinite(started) && Number.isFinite(finished)) {
        this.jobDuration.observe({ kind, state: e.type.slice(4) }, Math.max(0, finished - started) / 1000)
      }
      if (e.type === 'job.failed') {
        const code = String((d.error as { code?: unknown } | null)?.code ?? 'unknown')
        this.jobFailures.inc({ kind, code })
      }
    } else if (e.type === 'run.started') {
      this.runsActive.inc()
    } else if (e.type === 'run.exited') {
      this.runsActive.dec()
      const exit = d.signal != null ? `signal ${d.signal}` : String(d.exitCode ?? 'unknown')
      this.runExits.inc({ exit })
    }
  }

  close(): void {
    this.#unsubscribe?.()
  }
}
