import { createRoute, z } from '@hono/zod-openapi'
import { ContainerParams, EnvMap, noControlChars, noNul } from './containers.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { RunState } from './run-state.ts'
import { requires } from './security.ts'

export { RunState } from './run-state.ts'

const instant = z.string().openapi({ format: 'date-time' })
const Mechanism = z.enum(['cgroup-v1', 'cgroup-v2', 'rlimit', 'none'])

export const Run = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    containerId: z.string(),
    program: z.string().openapi({ description: 'As asked for: an app name or a path' }),
    target: z.string().openapi({ description: 'The program that was started' }),
    args: z.array(z.string()),
    state: RunState,
    pid: z.number().int().nullable().openapi({ description: "The program's pid on the host" }),
    exitCode: z.number().int().nullable(),
    signal: z.number().int().nullable().openapi({ description: 'The signal that ended it, if one did' }),
    limits: z
      .object({ memory: Mechanism, pids: Mechanism })
      .nullable()
      .openapi({ description: 'How the memory and process limits were enforced on this machine' }),
    error: z.string().nullable().openapi({ description: 'Why it failed to start or was lost' }),
    startedAt: instant,
    finishedAt: instant.nullable(),
  })
  .openapi('Run')
export type Run = z.infer<typeof Run>

export const RunCreate = z
  .strictObject({
    program: z
      .string()
      .min(1)
      .max(4096)
      .refine(noControlChars, 'no control characters')
      .openapi({
        description:
          'An app name (see …/apps), or a program path: `C:\\…` in a Wine container, an absolute ' +
          'path or a name in PATH in a native one',
        example: 'Acme',
      }),
    args: z
      .array(
        z
          .string()
          .max(32 * 1024)
          .refine(noNul, 'no NUL characters'),
      )
      .max(256)
      .default([])
      .openapi({ description: 'Passed verbatim; after the app’s own arguments for an app name' }),
    env: EnvMap.optional().openapi({ description: "Added to (and over) the container's env" }),
  })
  .openapi('RunCreate')
export type RunCreate = z.infer<typeof RunCreate>

export const RunPage = z.object({ items: z.array(Run), nextCursor: z.string().nullable() }).openapi('RunPage')

export const RunListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ type: 'integer' }),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor from a previous page')
    .optional(),
})

const RunParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, format: 'uuid' }),
})

export const StopQuery = z.object({
  graceMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(5000)
    .openapi({ type: 'integer', description: 'How long after SIGTERM before SIGKILL' }),
})

const runJson = (description: string) => ({ description, content: { 'application/json': { schema: Run } } })
const conflict = (description: string) => ({
  409: { description, content: { 'application/problem+json': { schema: Problem } } },
})

export const startRun = createRoute({
  operationId: 'startRun',
  tags: ['runs'],
  method: 'post',
  path: '/api/containers/{id}/runs',
  summary: 'Start a program or an app in the container',
  description:
    "The run's output arrives as `run.output` events (subject: the run id; data {runId, " +
    'containerId, stream, text, offset}, at most 16 KiB of UTF-8 each; `offset` is where the text ' +
    'starts in the log) and is kept in the log (GET /api/runs/{id}/log). `run.started` and ' +
    '`run.ended` carry the Run. Subscribe to the event stream before starting, to miss nothing.',
  security: requires('containers:run'),
  request: {
    params: ContainerParams,
    body: { required: true, content: { 'application/json': { schema: RunCreate } } },
  },
  responses: {
    201: {
      ...runJson('The run, started'),
      headers: z.object({ Location: z.string().openapi({ example: '/api/runs/…' }) }),
    },
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The container cannot run now (installing, busy, failed) (ECONFLICT)'),
  },
})

export const listRuns = createRoute({
  operationId: 'listContainerRuns',
  tags: ['runs'],
  method: 'get',
  path: '/api/containers/{id}/runs',
  summary: "The container's runs, newest first",
  security: requires('containers:read'),
  request: { params: ContainerParams, query: RunListQuery },
  responses: {
    200: { description: 'One page of runs', content: { 'application/json': { schema: RunPage } } },
    ...errorResponses,
    ...notFoundResponse,
  },
})

export const getRun = createRoute({
  operationId: 'getRun',
  tags: ['runs'],
  method: 'get',
  path: '/api/runs/{id}',
  summary: 'One run: state, exit code or signal, limits applied',
  security: requires('containers:read'),
  request: { params: RunParams },
  responses: { 200: runJson('The run'), ...errorResponses, ...notFoundResponse },
})

export const getRunLog = createRoute({
  operationId: 'getRunLog',
  tags: ['runs'],
  method: 'get',
  path: '/api/runs/{id}/log',
  summary: "The run's output so far, stdout and stderr interleaved as they came (plain text)",
  description: 'Live output is on the event stream (`run.output`).',
  security: requires('containers:read'),
  request: { params: RunParams },
  responses: {
    200: { description: 'The log', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses,
    ...notFoundResponse,
  },
})

export const stopRun = createRoute({
  operationId: 'stopRun',
  tags: ['runs'],
  method: 'post',
  path: '/api/runs/{id}/stop',
  summary: 'Stop a run: SIGTERM to everything it started, SIGKILL after graceMs',
  security: requires('containers:run'),
  request: { params: RunParams, query: StopQuery },
  responses: {
    200: runJson('The run, ended'),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The run already ended (ECONFLICT)'),
  },
})
