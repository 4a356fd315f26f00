import { createRoute, z } from '@hono/zod-openapi'
import { Container, ContainerName, ContainerParams } from './containers.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { Job } from './jobs.ts'
import { requires } from './security.ts'

const Passphrase = z.string().min(8).max(1024).openapi({ description: 'At least 8 characters' })

export const ExportCreate = z
  .strictObject({
    includeRuntime: z
      .boolean()
      .default(false)
      .openapi({ description: "Carry the base runtime's files (else the importer finds or remakes it)" }),
    includeSnapshots: z.boolean().default(false).openapi({ description: 'Carry the snapshots too' }),
    passphrase: Passphrase.optional().openapi({
      description: 'Encrypt with this passphrase (AES-256-GCM); never stored, never in the job',
    }),
  })
  .openapi('ExportCreate')
export type ExportCreate = z.infer<typeof ExportCreate>

const Signer = z
  .object({ publicKey: z.string(), fingerprint: z.string().openapi({ example: '1a2b:3c4d:5e6f:…' }) })
  .openapi('Signer')

const Totals = z
  .object({
    entries: z.number().int(),
    files: z.number().int(),
    blobs: z.number().int(),
    bytes: z.number().int(),
  })
  .openapi('PackTotals')

/** The result of a succeeded container.export job. */
export const ExportResult = z
  .object({
    containerId: z.string(),
    download: z.string().openapi({ description: 'Where to GET the .ctnr', example: '/api/exports/…' }),
    bytes: z.number().int(),
    encrypted: z.boolean(),
    runtimeIncluded: z.boolean(),
    snapshots: z.array(z.string()),
    signer: Signer,
    totals: Totals,
    skipped: z
      .number()
      .int()
      .openapi({ description: 'Layer entries left out (links to the host, fifos, devices)' }),
  })
  .openapi('ExportResult')
export type ExportResult = z.infer<typeof ExportResult>

/** The result of a succeeded container.import job. */
export const ImportResult = z
  .object({
    container: Container,
    signer: Signer,
    trustedNow: z.boolean().openapi({ description: 'This import added the signer to the trusted keys' }),
    runtime: z
      .object({ id: z.string(), source: z.enum(['local', 'archive', 'created']) })
      .nullable()
      .openapi({ description: 'Where the base runtime came from' }),
    totals: Totals,
    stripped: z
      .number()
      .int()
      .openapi({ description: 'Entries whose setuid/world-writable bits were removed' }),
  })
  .openapi('ImportResult')
export type ImportResult = z.infer<typeof ImportResult>

export const TransferJob = z.object({ job: Job }).openapi('TransferJob')

export const ImportAccepted = z
  .object({ job: Job, archive: z.object({ size: z.number().int(), blake3: z.string() }) })
  .openapi('ImportAccepted')
export type ImportAccepted = z.infer<typeof ImportAccepted>

export const ImportQuery = z.object({
  name: ContainerName.optional().openapi({
    description: "The new container's name (default: the exported one)",
  }),
  trust: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({
      type: 'boolean',
      description:
        'Accept a signer this installation does not trust yet, and trust it from now on. Without it, ' +
        'such an archive fails with EUNTRUSTED naming the signer’s fingerprint.',
    }),
})

const ExportParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The export job’s id', format: 'uuid' }),
})

const job202 = (description: string, schema: z.ZodType = TransferJob) => ({
  202: {
    description,
    content: { 'application/json': { schema } },
    headers: z.object({ Location: z.string().openapi({ description: 'The job' }) }),
  },
})
const conflict = (description: string) => ({
  409: { description, content: { 'application/problem+json': { schema: Problem } } },
})

export const startExport = createRoute({
  operationId: 'startExport',
  tags: ['transfer'],
  method: 'post',
  path: '/api/containers/{id}/exports',
  summary: 'Pack the container into a signed .ctnr (a container.export job); download it when done',
  description:
    'The container is `busy` while it is packed. The job result (ExportResult) names the download; ' +
    'the file is kept until DELETE /api/exports/{id} or a gateway restart a day later.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    body: { required: true, content: { 'application/json': { schema: ExportCreate } } },
  },
  responses: {
    ...job202('The job that packs it'),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The container is running, installing or busy (ECONFLICT)'),
  },
})

export const downloadExport = createRoute({
  operationId: 'downloadExport',
  tags: ['transfer'],
  method: 'get',
  path: '/api/exports/{id}',
  summary: 'The .ctnr a succeeded export job made',
  security: requires('containers:read'),
  request: { params: ExportParams },
  responses: {
    200: {
      description: 'The archive',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The export job has not succeeded (ECONFLICT)'),
  },
})

export const deleteExport = createRoute({
  operationId: 'deleteExport',
  tags: ['transfer'],
  method: 'delete',
  path: '/api/exports/{id}',
  summary: 'Remove the .ctnr of an export job',
  security: requires('containers:write'),
  request: { params: ExportParams },
  responses: { 204: { description: 'Removed' }, ...errorResponses, ...notFoundResponse },
})

export const startImport = createRoute({
  operationId: 'startImport',
  tags: ['transfer'],
  method: 'post',
  path: '/api/imports',
  summary: 'Upload a .ctnr and import it as a new container (a container.import job)',
  description:
    'The body is the archive (application/octet-stream), streamed to disk up to ' +
    '`limits.max_upload_bytes`. The job verifies the signature before it decrypts or unpacks ' +
    'anything, checks every file, and moves the container into place in one rename. An encrypted ' +
    'archive needs its passphrase in the `Orbit-Passphrase` header. The result is an ImportResult.',
  security: requires('containers:write'),
  request: {
    query: ImportQuery,
    headers: z.object({ 'orbit-passphrase': Passphrase.optional() }),
    body: {
      required: true,
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    ...job202('The archive was received; the job imports it', ImportAccepted),
    ...errorResponses,
    ...conflict('A container with that name exists (ECONFLICT)'),
  },
})
