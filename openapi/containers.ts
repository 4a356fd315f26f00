import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { Job } from './jobs.ts'
import { RunState } from './run-state.ts'
import { requires } from './security.ts'

/**
 * created: no install yet · installing: an install job holds it · ready: installed, idle ·
 * running: at least one run is alive · stopped: idle after a run ended · failed: its last install
 * failed or was cut short (install again, or delete) · busy: a snapshot, restore or export holds it.
 */
export const ContainerState = z
  .enum(['created', 'installing', 'ready', 'running', 'stopped', 'failed', 'busy'])
  .openapi('ContainerState')
export type ContainerState = z.infer<typeof ContainerState>

/** True when `s` holds no control character (C0 or DEL); they never belong in names or labels. */
export const noControlChars = (s: string): boolean =>
  ![...s].some((ch) => {
    const n = ch.charCodeAt(0)
    return n < 0x20 || n === 0x7f
  })

/** True when `s` holds no NUL (the sandbox passes strings to C, where NUL ends them). */
export const noNul = (s: string): boolean => !s.includes('\0')

export const ContainerName = z
  .string()
  .min(1)
  .max(200)
  .refine(noControlChars, 'no control characters')
  .refine((s) => !s.includes('/'), 'no "/"')
  .refine((s) => s.trim() === s, 'no leading or trailing spaces')
  .openapi({ description: 'Unique on this gateway; the CLI addresses containers by it', example: 'acme' })

/** Environment variables: names without "=", values without NUL (the sandbox passes them verbatim). */
export const EnvMap = z
  .record(
    z
      .string()
      .min(1)
      .max(256)
      .refine(
        (k) => noControlChars(k) && !k.includes('='),
        'a variable name without "=" or control characters',
      ),
    z
      .string()
      .max(32 * 1024)
      .refine(noNul, 'no NUL characters'),
  )
  .refine((m) => Object.keys(m).length <= 256, 'at most 256 variables')
  .openapi({ example: { ACME_MODE: 'demo' } })

export const Labels = z
  .record(
    z.string().min(1).max(128).refine(noControlChars, 'no control characters'),
    z.string().max(512).refine(noControlChars, 'no control characters'),
  )
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 labels')
  .openapi({ example: { team: 'finance' } })

export const NetworkPolicy = z
  .enum(['none', 'host'])
  .openapi('NetworkPolicy', { description: 'none: loopback only; host: the host network' })

export const DisplayPolicy = z.enum(['none', 'host']).openapi('DisplayPolicy', {
  description:
    'none: no display (a GUI program runs but shows no window); host: windows appear on the X11 ' +
    "display of the gateway's machine ([display] x11 in orbit.toml, else the gateway's DISPLAY). " +
    'X11 does not isolate clients: a program on the display can read other windows and send input',
})

export const ContainerLimits = z
  .strictObject({
    memoryMb: z.number().int().min(4).max(1_048_576).nullable().optional(),
    pids: z.number().int().min(1).max(1_000_000).nullable().optional(),
  })
  .openapi('ContainerLimits', {
    description: 'Memory (MiB) and process count of a run; null or absent: unlimited',
  })

const instant = z.string().openapi({ format: 'date-time' })

export const LastRun = z
  .object({
    id: z.string(),
    state: RunState,
    exitCode: z.number().int().nullable(),
    signal: z.number().int().nullable(),
    startedAt: instant,
    finishedAt: instant.nullable(),
  })
  .openapi('LastRun', { description: "The container's newest run, as GET /api/runs/{id} would show it now" })

export const Container = z
  .object({
    id: z.string().openapi({ example: 'acme-3f9a1c' }),
    name: z.string(),
    version: z.string().nullable(),
    state: ContainerState,
    stateReason: z.string().nullable().openapi({ description: 'Why it is in its state (failed above all)' }),
    runtime: z.object({
      kind: z.enum(['wine', 'native']),
      id: z.string().nullable().openapi({ description: 'The base runtime (Wine prefix) it sits on' }),
      wineVersion: z.string().nullable(),
      hash: z.string().nullable(),
    }),
    env: z.record(z.string(), z.string()),
    network: NetworkPolicy,
    display: DisplayPolicy,
    limits: z.object({ memoryMb: z.number().int().nullable(), pids: z.number().int().nullable() }),
    labels: z.record(z.string(), z.string()),
    installed: z.boolean().openapi({ description: 'An install was captured (manifest.json exists)' }),
    disk: z
      .object({
        bytes: z.number().int().openapi({ description: 'Allocated on disk, each hard-linked file once' }),
        measuredAt: instant,
      })
      .nullable()
      .openapi({
        description:
          "What the container's folder (layer, hives, logs, manifests) takes on disk, measured in " +
          'the background after each install, run, restore or import and every few minutes; ' +
          'null until first measured. Content shared through the store (snapshots, clones) is not counted.',
      }),
    lastRun: LastRun.nullable().openapi({ description: 'null: never run' }),
    createdAt: instant,
    updatedAt: instant,
    stateChangedAt: instant,
  })
  .openapi('Container')
export type Container = z.infer<typeof Container>

export const ContainerCreate = z
  .strictObject({
    name: ContainerName,
    version: z.string().min(1).max(100).refine(noControlChars, 'no control characters').optional(),
    runtime: z.enum(['wine', 'native']).default('wine').openapi({
      description: 'wine: Win32 programs on the shared base runtime; native: Linux programs',
    }),
    env: EnvMap.optional(),
    network: NetworkPolicy.default('none'),
    display: DisplayPolicy.default('none'),
    limits: ContainerLimits.optional(),
    labels: Labels.optional(),
  })
  .openapi('ContainerCreate')
export type ContainerCreate = z.infer<typeof ContainerCreate>

export const ContainerPatch = z
  .strictObject({
    name: ContainerName.optional(),
    version: z.string().min(1).max(100).refine(noControlChars, 'no control characters').nullable().optional(),
    env: EnvMap.optional().openapi({ description: 'Replaces the whole map' }),
    network: NetworkPolicy.optional(),
    display: DisplayPolicy.optional(),
    limits: ContainerLimits.optional(),
    labels: Labels.optional().openapi({ description: 'Replaces the whole map' }),
  })
  .refine((p) => Object.keys(p).length > 0, 'name at least one field to change')
  .openapi('ContainerPatch', { description: 'Fields to change; `version: null` clears the version' })
export type ContainerPatch = z.infer<typeof ContainerPatch>

export const ContainerPending = z
  .object({
    containerId: z.string().openapi({ description: 'The id the container will have' }),
    job: Job,
  })
  .openapi('ContainerPending', {
    description:
      'The base runtime must be made first (once per installation, 15-60 s): a container.create ' +
      'job does it and then creates the container; its result is the Container',
  })

export const ContainerPage = z
  .object({
    items: z.array(Container),
    nextCursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page' }),
  })
  .openapi('ContainerPage')

export const ContainerListQuery = z.object({
  name: z.string().min(1).max(200).optional().openapi({ description: 'Exact name' }),
  state: ContainerState.optional(),
  label: z
    .string()
    .min(1)
    .max(700)
    .optional()
    .openapi({ description: '`key` (has the label) or `key=value`', example: 'team=finance' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ type: 'integer' }),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor from a previous page')
    .optional(),
})

/** A container addressed by id or, failing that, by its (unique) name. */
export const ContainerParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Container id or name', example: 'acme' }),
})

export const FileChange = z
  .object({
    path: z.string().nullable().openapi({ description: '`C:\\...`; null outside drive C' }),
    prefixPath: z.string(),
    change: z.enum(['added', 'changed', 'removed']),
    kind: z.enum(['file', 'symlink', 'other']),
    size: z.number().int(),
    blake3: z.string().nullable(),
    mode: z.number().int(),
    linkTarget: z.string().optional(),
  })
  .openapi('FileChange')

/** An entry point found by the install: a Start Menu shortcut or a new program. */
export const App = z
  .object({
    name: z.string().openapi({ example: 'Acme' }),
    target: z.string().openapi({ example: 'C:\\Program Files\\Acme\\acme.exe' }),
    arguments: z.string().nullable(),
    workingDir: z.string().nullable(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    shortcut: z.string().nullable(),
    source: z.enum(['shortcut', 'executable']),
  })
  .openapi('App')
export type App = z.infer<typeof App>

const RegValue = z.object({
  name: z.string(),
  type: z.string(),
  data: z.union([z.string(), z.number(), z.array(z.string())]),
  raw_type: z.number().int().optional(),
})

export const InstallSummary = z
  .object({
    filesAdded: z.number().int(),
    filesChanged: z.number().int(),
    filesRemoved: z.number().int(),
    bytesWritten: z.number().int(),
    keysAdded: z.number().int(),
    keysRemoved: z.number().int(),
    valuesAdded: z.number().int(),
    valuesChanged: z.number().int(),
    valuesRemoved: z.number().int(),
    entryPoints: z.number().int(),
  })
  .openapi('InstallSummary')

export const InstallerRecord = z
  .object({
    name: z.string(),
    kind: z.enum(['exe', 'msi']),
    size: z.number().int(),
    blake3: z.string(),
    args: z.array(z.string()),
    exitCode: z.number().int().nullable(),
    signal: z.number().int().nullable(),
    durationMs: z.number().int(),
  })
  .openapi('InstallerRecord')

export const Manifest = z
  .object({
    formatVersion: z.number().int(),
    containerId: z.string(),
    runtime: z.object({ id: z.string(), hash: z.string() }),
    capturedAt: instant,
    installer: InstallerRecord,
    files: z.array(FileChange),
    directories: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
    registry: z.object({
      keysAdded: z.array(z.string()),
      keysRemoved: z.array(z.string()),
      valuesAdded: z.array(z.object({ key: z.string(), value: RegValue })),
      valuesChanged: z.array(z.object({ key: z.string(), old: RegValue, new: RegValue })),
      valuesRemoved: z.array(z.object({ key: z.string(), value: RegValue })),
    }),
    entryPoints: z.array(App),
    excluded: z.object({
      paths: z.array(z.string()),
      registryKeys: z.array(z.string()),
      registryValues: z.string(),
    }),
    summary: InstallSummary,
  })
  .openapi('Manifest', { description: 'What the captured install changed (manifest.json)' })

export const AppList = z.object({ items: z.array(App) }).openapi('AppList')

const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
})
const conflict = (description: string) => ({
  409: { description, content: { 'application/problem+json': { schema: Problem } } },
})

export const listContainers = createRoute({
  operationId: 'listContainers',
  tags: ['containers'],
  method: 'get',
  path: '/api/containers',
  summary: 'Containers, oldest first, with filters and cursor paging',
  security: requires('containers:read'),
  request: { query: ContainerListQuery },
  responses: { 200: json('One page of containers', ContainerPage), ...errorResponses },
})

export const createContainer = createRoute({
  operationId: 'createContainer',
  tags: ['containers'],
  method: 'post',
  path: '/api/containers',
  summary: 'Create a container (state created)',
  description:
    'A container costs kilobytes: its layer starts empty over the shared base runtime. When a Wine ' +
    'container is asked for and no base runtime exists yet, the answer is 202 with a ' +
    '`container.create` job that makes the runtime (15-60 s, once) and then the container.',
  security: requires('containers:write'),
  request: { body: { required: true, content: { 'application/json': { schema: ContainerCreate } } } },
  responses: {
    201: {
      ...json('The container', Container),
      headers: z.object({ Location: z.string().openapi({ example: '/api/containers/acme-3f9a1c' }) }),
    },
    202: {
      ...json('A job makes the base runtime, then the container', ContainerPending),
      headers: z.object({ Location: z.string().openapi({ description: 'The job' }) }),
    },
    ...errorResponses,
    ...conflict('A container with this name exists (ECONFLICT)'),
  },
})

export const getContainer = createRoute({
  operationId: 'getContainer',
  tags: ['containers'],
  method: 'get',
  path: '/api/containers/{id}',
  summary: 'One container, by id or name',
  security: requires('containers:read'),
  request: { params: ContainerParams },
  responses: {
    200: json('The container', Container),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The name is ambiguous (two containers on disk share it); use the id'),
  },
})

export const updateContainer = createRoute({
  operationId: 'updateContainer',
  tags: ['containers'],
  method: 'patch',
  path: '/api/containers/{id}',
  summary: "Change a container's name, version, env, network policy, limits or labels",
  description: 'Written to container.yml at once; a run already alive keeps the settings it started with.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    body: { required: true, content: { 'application/json': { schema: ContainerPatch } } },
  },
  responses: {
    200: json('The container after the change', Container),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The new name is taken (ECONFLICT)'),
  },
})

export const deleteContainer = createRoute({
  operationId: 'deleteContainer',
  tags: ['containers'],
  method: 'delete',
  path: '/api/containers/{id}',
  summary: 'Delete a container and its folder (layer, manifest, snapshots, logs)',
  security: requires('containers:write'),
  request: { params: ContainerParams },
  responses: {
    204: { description: 'Deleted' },
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('It is running, installing or busy (ECONFLICT); stop it first'),
  },
})

export const getManifest = createRoute({
  operationId: 'getContainerManifest',
  tags: ['containers'],
  method: 'get',
  path: '/api/containers/{id}/manifest',
  summary: 'What the last captured install changed: files, registry keys and values, entry points',
  security: requires('containers:read'),
  request: { params: ContainerParams },
  responses: {
    200: json('manifest.json', Manifest),
    ...errorResponses,
    ...notFoundResponse,
  },
})

export const listApps = createRoute({
  operationId: 'listContainerApps',
  tags: ['containers'],
  method: 'get',
  path: '/api/containers/{id}/apps',
  summary: "The container's entry points (from its manifest), which runs can name as program",
  security: requires('containers:read'),
  request: { params: ContainerParams },
  responses: {
    200: json('The apps; empty when nothing is installed', AppList),
    ...errorResponses,
    ...notFoundResponse,
  },
})

export const ContainerClone = z.strictObject({ name: ContainerName }).openapi('ContainerClone')

export const cloneContainer = createRoute({
  operationId: 'cloneContainer',
  tags: ['containers'],
  method: 'post',
  path: '/api/containers/{id}/clone',
  summary: 'A new container with the same content, at once (content is shared, not copied)',
  description:
    'The source must be stopped. Source and clone share their content through a frozen layer; ' +
    'what either writes afterwards stays its own. The clone has the source’s settings and snapshots.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    body: { required: true, content: { 'application/json': { schema: ContainerClone } } },
  },
  responses: {
    201: {
      ...json('The clone', Container),
      headers: z.object({ Location: z.string().openapi({ example: '/api/containers/acme-copy-1b2c3d' }) }),
    },
    ...errorResponses,
    ...notFoundResponse,
    ...conflict('The name is taken, or the source is running, installing or busy (ECONFLICT)'),
  },
})
