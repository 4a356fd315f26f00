import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { requires } from './security.ts'

export const JobState = z.enum(['queued', 'running', 'succeeded', 'failed', 'canceled']).openapi('JobState')
export type JobState = z.infer<typeof JobState>

export const JobProgress = z
  .object({
    done: z.number().min(0),
    total: z.number().min(0).nullable().openapi({ description: 'null while the total is unknown' }),
    unit: z.string().nullable().openapi({ example: 'bytes' }),
    message: z.string().nullable(),
  })
  .openapi('JobProgress')
export type JobProgress = z.infer<typeof JobProgress>

export const JobError = z
  .object({
    code: z
      .string()
      .openapi({ description: 'A stable code, e.g. EINTERRUPTED, ECORE', example: 'EINTERRUPTED' }),
    message: z.string(),
  })
  .openapi('JobError')
export type JobError = z.infer<typeof JobError>

const instant = z.string().openapi({ format: 'date-time' })

export const Job = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    kind: z.string().openapi({ example: 'container.install' }),
    containerId: z.string().nullable(),
    state: JobState,
    phase: z.string().nullable().openapi({ example: 'copying files' }),
    progress: z.union([JobProgress, z.null()]),
    params: z.record(z.string(), z.unknown()),
    result: z.unknown().openapi({ description: 'What the job produced, once it succeeded; else null' }),
    error: z.union([JobError, z.null()]),
    attempts: z.number().int().min(0).openapi({ description: 'How many times the job started running' }),
    resumable: z.boolean().openapi({ description: 'Whether a run interrupted by a restart is retried' }),
    createdAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    updatedAt: instant,
  })
  .openapi('Job')
export type Job = z.infer<typeof Job>

export const JobPage = z
  .object({
    items: z.array(Job),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null at the end' }),
  })
  .openapi('JobPage')
export type JobPage = z.infer<typeof JobPage>

export const JobListQuery = z.object({
  state: JobState.optional(),
  kind: z.string().min(1).max(100).optional(),
  containerId: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ type: 'integer' }),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor from a previous page')
    .optional()
    .openapi({ description: 'The nextCursor of the previous page' }),
})

const JobIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

const jobJson = (description: string) => ({ description, content: { 'application/json': { schema: Job } } })

export const listJobs = createRoute({
  operationId: 'listJobs',
  tags: ['jobs'],
  method: 'get',
  path: '/api/jobs',
  summary: 'Jobs, newest first, with filters and cursor paging',
  security: requires('jobs:read'),
  request: { query: JobListQuery },
  responses: {
    200: { description: 'One page of jobs', content: { 'application/json': { schema: JobPage } } },
    ...errorResponses,
  },
})

export const getJob = createRoute({
  operationId: 'getJob',
  tags: ['jobs'],
  method: 'get',
  path: '/api/jobs/{id}',
  summary: 'One job: its state, phase, progress, result or error',
  security: requires('jobs:read'),
  request: { params: JobIdParams },
  responses: { 200: jobJson('The job'), ...errorResponses, ...notFoundResponse },
})

export const cancelJob = createRoute({
  operationId: 'cancelJob',
  tags: ['jobs'],
  method: 'post',
  path: '/api/jobs/{id}/cancel',
  summary: 'Cancel a job: a queued one at once, a running one as soon as its work stops',
  description:
    'Answers with the job after the cancel took effect. A running job normally stops at once; if it ' +
    'is still `running` in the answer, a `job.canceled` event follows when it stops.',
  // Jobs act on containers, so stopping one needs the scope that changes containers.
  security: requires('containers:write'),
  request: { params: JobIdParams },
  responses: {
    200: jobJson('The job, canceled (or still stopping)'),
    ...errorResponses,
    ...notFoundResponse,
    409: {
      description: 'The job already finished (ECONFLICT)',
      content: { 'application/problem+json': { schema: Problem } },
    },
  },
})
