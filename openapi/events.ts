import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses } from './errors.ts'
import { requires } from './security.ts'

/** One state change, as stored in the event log and sent on the stream. */
export const EventEnvelope = z
  .object({
    id: z
      .number()
      .int()
      .positive()
      .openapi({
        description:
          'Monotonic across the whole installation (gaps are normal); send the last one seen as ' +
          '`Last-Event-ID` to resume without missing or repeating an event',
        example: 42,
      }),
    time: z.string().openapi({ format: 'date-time', example: '2025-01-01T12:00:00.000Z' }),
    type: z.string().openapi({
      description:
        'What happened. Jobs: job.created, job.started, job.progress, job.requeued, ' +
        'job.succeeded, job.failed, job.canceled. Containers: container.created, ' +
        'container.updated, container.state, container.disk, container.deleted, install.progress, ' +
        'registry.changed. Runs: run.started, run.output, run.ended, run.progress. Snapshots: ' +
        'snapshot.created, snapshot.restored, snapshot.deleted. Every audited change: audit',
      example: 'job.progress',
    }),
    subject: z
      .string()
      .openapi({ description: 'What it happened to: a job id, a container id', example: '3f1c…' }),
    data: z.unknown().openapi({
      description:
        'Depends on `type`: job.progress carries {id, kind, containerId, phase, progress}; every ' +
        'other job.* event carries the whole Job after the change; container.* the Container, ' +
        'except container.state {id, name, state, previous, reason} and container.disk {id, disk}, ' +
        'run.started/run.ended the Run, run.output {runId, containerId, stream, text, offset}, ' +
        'registry.changed {containerId, ...what changed}, audit the AuditEntry',
    }),
  })
  .openapi('Event')
export type EventEnvelope = z.infer<typeof EventEnvelope>

const lastEventId = z
  .string()
  // Empty is allowed: it is what a browser sends before it has seen an id.
  .regex(/^(\d{1,15})?$/, 'an event id (a non-negative integer)')
  .optional()

export const EventsQuery = z.object({
  subject: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'Only events about this subject (a job id, a container id)' }),
  types: z
    .string()
    .regex(/^[a-z0-9_.*-]+(,[a-z0-9_.*-]+)*$/, 'comma-separated event types; `job.*` matches a prefix')
    .max(500)
    .optional()
    .openapi({
      description: 'Comma-separated event types; `job.*` matches every job event',
      example: 'job.*',
    }),
  lastEventId: lastEventId.openapi({
    description: 'Resume after this event id, for clients that cannot send the Last-Event-ID header',
  }),
})

export const streamEvents = createRoute({
  operationId: 'streamEvents',
  tags: ['events'],
  method: 'get',
  path: '/api/events',
  summary: 'The live event stream (Server-Sent Events), resumable with Last-Event-ID',
  security: requires('events:read'),
  request: {
    query: EventsQuery,
    headers: z.object({
      'last-event-id': lastEventId.openapi({
        description: 'Resume after this event id (browsers send it by themselves on reconnect)',
      }),
    }),
  },
  responses: {
    200: {
      description:
        'A text/event-stream. Each message has `id:` (the Event id), `event:` (its type) and ' +
        '`data:` (the Event as JSON, see the Event schema). On a resume, every stored event after ' +
        'Last-Event-ID comes first, then live events, with no gap and no repeat. Control messages: ' +
        '`event: reset` (data {reason: "expired" | "unknown", latestId}) when the resume point was ' +
        'pruned or is unknown: refetch state; `event: ready` (id: the stream position, data ' +
        '{latestId}) once the replay is done. A `: heartbeat` comment keeps idle connections open. ' +
        'Progress-like events are coalesced in the log, so a replay gives their latest state, not ' +
        'every step.',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses,
  },
})
