import { createRoute, z } from '@hono/zod-openapi'
import { ContainerParams } from './containers.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { Job } from './jobs.ts'
import { requires } from './security.ts'

export const SnapshotLabel = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, '1-48 of [A-Za-z0-9._-], starting with a letter or digit')
  .openapi({ example: 'before-update' })

export const Snapshot = z
  .object({
    id: z.string().openapi({ description: '`<seq>-<label>`', example: '001-post-install' }),
    seq: z.number().int(),
    label: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    files: z.number().int(),
    bytes: z.number().int(),
    entries: z.number().int(),
    parent: z
      .string()
      .nullable()
      .openapi({ description: 'The snapshot the layer descended from (the previous, or the last restored)' }),
  })
  .openapi('Snapshot')
export type Snapshot = z.infer<typeof Snapshot>

export const SnapshotList = z.object({ items: z.array(Snapshot) }).openapi('SnapshotList')

export const SnapshotCreate = z
  .strictObject({ label: SnapshotLabel.default('manual') })
  .openapi('SnapshotCreate')

const SnapFile = z.object({
  path: z
    .string()
    .openapi({ description: 'Relative to the prefix, e.g. drive_c/Program Files/Acme/acme.exe' }),
  kind: z.enum(['file', 'dir', 'symlink', 'other']),
  size: z.number().int(),
  mode: z.number().int(),
  hash: z.string().optional(),
  linkTarget: z.string().optional(),
})
const RegValue = z.object({
  name: z.string(),
  type: z.string(),
  data: z.union([z.string(), z.number(), z.array(z.string())]),
  raw_type: z.number().int().optional(),
})

export const SnapshotDiff = z
  .object({
    from: z.string(),
    to: z.string(),
    files: z.object({
      added: z.array(SnapFile),
      changed: z.array(
        z.object({ path: z.string(), reasons: z.array(z.string()), before: SnapFile, after: SnapFile }),
      ),
      removed: z.array(SnapFile),
    }),
    registry: z.object({
      keysAdded: z.array(z.string()),
      keysRemoved: z.array(z.string()),
      valuesAdded: z.array(z.object({ key: z.string(), value: RegValue })),
      valuesChanged: z.array(z.object({ key: z.string(), old: RegValue, new: RegValue })),
      valuesRemoved: z.array(z.object({ key: z.string(), value: RegValue })),
    }),
  })
  .openapi('SnapshotDiff', {
    description: "What changed from one snapshot to another, in the container's merged view",
  })
export type SnapshotDiff = z.infer<typeof SnapshotDiff>

export const SnapshotJob = z.object({ job: Job }).openapi('SnapshotJob')

const SnapshotParams = ContainerParams.extend({
  snapshot: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'snapshot', in: 'path' }, example: '001-post-install' }),
})

const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
})
const conflict = (description: string) => ({
  409: { description, content: { 'application/problem+json': { schema: Problem } } },
})
const accepted = (description: string) => ({
  202: {
    ...json(description, SnapshotJob),
    headers: z.object({ Location: z.string().openapi({ description: 'The job' }) }),
  },
})

export const listSnapshots = createRoute({
  operationId: 'listSnapshots',
  tags: ['snapshots'],
  method: 'get',
  path: '/api/containers/{id}/snapshots',
  summary: "The container's snapshots, oldest first",
  security: requires('containers:read'),
  request: { params: ContainerParams },
  responses: { 200: json('The snapshots', SnapshotList), ...errorResponses, ...notFoundResponse },
})

export const createSnapshot = createRoute({
  operationId: 'createSnapshot',
  tags: ['snapshots'],
  method: 'post',
  path: '/api/containers/{id}/snapshots',
  summary: "Snapshot the container's layer and registry (a container.snapshot job)",
  description:
    'The container must be stopped; it is `busy` while the job runs. An unchanged layer costs only ' +
    'stat calls. The job result is the Snapshot. Installs take 000-base and NNN-post-install by themselves.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    body: { required: true, content: { 'application/json': { schema: SnapshotCreate } } },
  },
  responses: {
    ...accepted('The job that takes the snapshot'),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The container is running, installing or busy (ECONFLICT)'),
  },
})

export const diffSnapshot = createRoute({
  operationId: 'diffSnapshot',
  tags: ['snapshots'],
  method: 'get',
  path: '/api/containers/{id}/snapshots/{snapshot}/diff',
  summary: 'Files and registry changes from another snapshot (by default its parent) to this one',
  security: requires('containers:read'),
  request: {
    params: SnapshotParams,
    query: z.object({
      from: z.string().min(1).max(64).optional().openapi({ description: "Default: the snapshot's parent" }),
    }),
  },
  responses: { 200: json('The differences', SnapshotDiff), ...errorResponses, ...notFoundResponse },
})

export const restoreSnapshot = createRoute({
  operationId: 'restoreSnapshot',
  tags: ['snapshots'],
  method: 'post',
  path: '/api/containers/{id}/snapshots/{snapshot}/restore',
  summary: 'Roll the container back to a snapshot, atomically (a container.restore job)',
  description:
    'The container must be stopped; it is `busy` meanwhile and rests afterwards in the state its ' +
    'restored folder implies (`ready` when installed), even if it had failed.',
  security: requires('containers:write'),
  request: { params: SnapshotParams },
  responses: {
    ...accepted('The job that restores it'),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The container is running, installing or busy (ECONFLICT)'),
  },
})

export const deleteSnapshot = createRoute({
  operationId: 'deleteSnapshot',
  tags: ['snapshots'],
  method: 'delete',
  path: '/api/containers/{id}/snapshots/{snapshot}',
  summary: 'Delete a snapshot (the content store keeps what other snapshots still share)',
  security: requires('containers:write'),
  request: { params: SnapshotParams },
  responses: {
    204: { description: 'Deleted' },
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The container is busy (ECONFLICT)'),
  },
})
