import { createRoute, z } from '@hono/zod-openapi'
import { App, ContainerParams, InstallerRecord, InstallSummary, noControlChars, noNul } from './containers.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { Job } from './jobs.ts'
import { requires } from './security.ts'

const Arg = z.string().max(4096).refine(noNul, 'no NUL characters')

export const InstallQuery = z.object({
  filename: z
    .string()
    .min(5)
    .max(255)
    .regex(/^[^/\\]+\.(exe|msi)$/i, 'a file name ending in .exe or .msi')
    .refine(noControlChars, 'no control characters')
    .openapi({
      description: "The installer's file name (recorded in the manifest)",
      example: 'acme-setup.exe',
    }),
  // A single `args=` arrives as a string, several as an array.
  args: z
    .union([Arg, z.array(Arg).max(64)])
    .optional()
    .transform((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a]))
    .openapi({
      description: "The installer's arguments, one `args=` per argument, in order",
      example: ['/S'],
    }),
  timeout: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional()
    .openapi({
      description:
        'Seconds the installer may run before it is stopped and the install fails with ETIMEOUT ' +
        '(default: limits.install_timeout_seconds of the configuration)',
      example: 600,
    }),
})

export const InstallAccepted = z
  .object({
    job: Job,
    installer: z.object({
      name: z.string(),
      size: z.number().int(),
      blake3: z.string().openapi({ description: 'BLAKE3 of the upload, hex' }),
    }),
  })
  .openapi('InstallAccepted')
export type InstallAccepted = z.infer<typeof InstallAccepted>

/** The result of a succeeded container.install job. */
export const InstallResult = z
  .object({
    containerId: z.string(),
    installer: InstallerRecord,
    summary: InstallSummary,
    apps: z.array(App),
    snapshots: z.object({
      before: z.string().openapi({
        description: 'Taken (or, retrying a failed install, restored) before',
        example: '000-base',
      }),
      after: z.string().openapi({ example: '001-post-install' }),
    }),
  })
  .openapi('InstallResult')
export type InstallResult = z.infer<typeof InstallResult>

export const startInstall = createRoute({
  operationId: 'startInstall',
  tags: ['installs'],
  method: 'post',
  path: '/api/containers/{id}/installs',
  summary: 'Upload an installer and capture its install into the container (a job)',
  description:
    'The body is the installer itself (application/octet-stream), streamed to disk up to ' +
    '`limits.max_upload_bytes` and hashed. A `container.install` job then runs it in the sandbox ' +
    'and writes the manifest, between snapshots 000-base (NNN-pre-install for a later install) and ' +
    'NNN-post-install; retrying after a failed install first restores the snapshot taken before it. ' +
    'The container is `installing` until the job ends, then `ready`, or ' +
    '`failed` when the installer failed or the job was cut short. Progress: job.progress and ' +
    'install.progress events (phase, installer output lines). The job result is an InstallResult.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    query: InstallQuery,
    body: {
      required: true,
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
  },
  responses: {
    202: {
      description: 'The installer was received; the job runs it',
      content: { 'application/json': { schema: InstallAccepted } },
      headers: z.object({ Location: z.string().openapi({ description: 'The job' }) }),
    },
    ...errorResponses,
    ...notFoundResponse,
    409: {
      description: 'The container cannot take an install now (running, installing, busy) (ECONFLICT)',
      content: { 'application/problem+json': { schema: Problem } },
    },
  },
})
