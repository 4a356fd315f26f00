import { createRoute, z } from '@hono/zod-openapi'
import { ContainerParams } from './containers.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { requires } from './security.ts'

export const RegistryValueType = z
  .enum(['sz', 'expand_sz', 'multi_sz', 'dword', 'qword', 'binary', 'none', 'hex'])
  .openapi('RegistryValueType', {
    description:
      'REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE; `hex` is any ' +
      'other type (or data that does not fit its type), with `raw_type` naming it',
  })

const RegistryData = z.union([z.string(), z.number(), z.array(z.string())]).openapi({
  description:
    'sz, expand_sz: a string; multi_sz: strings; dword: a number; qword: a number, or a decimal string ' +
    'above 2^53-1; binary, none, hex: lowercase hex bytes ("0a1b")',
})

const KeyPath = z.string().min(1).max(4096).openapi({
  description: 'A key path: HKLM, HKCU, HKU or HKCR, then names',
  example: 'HKLM\\Software\\Acme',
})

const ValueName = z.string().max(16383).openapi({ description: '"" is the key\'s default value' })

export const RegistryValue = z
  .object({
    name: ValueName,
    type: RegistryValueType,
    data: RegistryData,
    raw_type: z.number().int().optional().openapi({ description: 'The Windows type number' }),
  })
  .openapi('RegistryValue')
export type RegistryValue = z.infer<typeof RegistryValue>

export const RegistryKey = z
  .object({
    path: z.string(),
    subkeys: z.array(z.string()),
    values: z.array(RegistryValue),
    modified: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('RegistryKey', {
    description: "A key of the container's merged registry (its hives over the runtime's)",
  })
export type RegistryKey = z.infer<typeof RegistryKey>

export const RegistryValueSet = z
  .strictObject({
    key: KeyPath,
    name: ValueName,
    type: RegistryValueType,
    data: RegistryData,
    raw_type: z.number().int().min(0).max(0xffffffff).optional().openapi({ description: 'Required for hex' }),
  })
  .openapi('RegistryValueSet')
export type RegistryValueSet = z.infer<typeof RegistryValueSet>

export const RegistryImportResult = z
  .object({
    keysCreated: z.number().int(),
    keysDeleted: z.number().int(),
    valuesSet: z.number().int(),
    valuesDeleted: z.number().int(),
  })
  .openapi('RegistryImportResult')
export type RegistryImportResult = z.infer<typeof RegistryImportResult>

const KeyQuery = z.object({ key: KeyPath })
const ValueQuery = z.object({ key: KeyPath, name: ValueName.default('') })

const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
})
const whileRunning = {
  409: {
    description:
      'The container is running, installing or busy (ECONFLICT): Wine rewrites its hives when it stops',
    content: { 'application/problem+json': { schema: Problem } },
  },
}
const reads = { ...errorResponses, ...notFoundResponse }
const writes = { ...errorResponses, ...notFoundResponse, ...whileRunning }

export const getRegistryKey = createRoute({
  operationId: 'getRegistryKey',
  tags: ['registry'],
  method: 'get',
  path: '/api/containers/{id}/registry',
  summary: "One key of the container's registry: its subkeys and values",
  description:
    'Reads the hives on disk: while the container runs, Wine may hold newer values in memory. A missing ' +
    'key is 404 (ENOTFOUND).',
  security: requires('containers:read'),
  request: { params: ContainerParams, query: KeyQuery },
  responses: { 200: json('The key', RegistryKey), ...reads },
})

export const getRegistryValue = createRoute({
  operationId: 'getRegistryValue',
  tags: ['registry'],
  method: 'get',
  path: '/api/containers/{id}/registry/value',
  summary: 'One value of a key',
  security: requires('containers:read'),
  request: { params: ContainerParams, query: ValueQuery },
  responses: { 200: json('The value', RegistryValue), ...reads },
})

export const setRegistryValue = createRoute({
  operationId: 'setRegistryValue',
  tags: ['registry'],
  method: 'put',
  path: '/api/containers/{id}/registry/value',
  summary: 'Set a value (creating its key) in the container’s own hives',
  description: 'The container must be stopped. Answers with the value as stored.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    body: { required: true, content: { 'application/json': { schema: RegistryValueSet } } },
  },
  responses: { 200: json('The value as stored', RegistryValue), ...writes },
})

export const deleteRegistryValue = createRoute({
  operationId: 'deleteRegistryValue',
  tags: ['registry'],
  method: 'delete',
  path: '/api/containers/{id}/registry/value',
  summary: 'Delete one value of a key',
  description: 'The container must be stopped.',
  security: requires('containers:write'),
  request: { params: ContainerParams, query: ValueQuery },
  responses: { 204: { description: 'Deleted' }, ...writes },
})

export const deleteRegistryKey = createRoute({
  operationId: 'deleteRegistryKey',
  tags: ['registry'],
  method: 'delete',
  path: '/api/containers/{id}/registry/key',
  summary: 'Delete a key and everything below it',
  description: 'The container must be stopped. A root (HKLM, HKCU...) cannot be deleted.',
  security: requires('containers:write'),
  request: { params: ContainerParams, query: KeyQuery },
  responses: { 204: { description: 'Deleted' }, ...writes },
})

export const exportRegistry = createRoute({
  operationId: 'exportRegistry',
  tags: ['registry'],
  method: 'get',
  path: '/api/containers/{id}/registry/export',
  summary: 'A key and its subkeys as a .reg file (Windows Registry Editor Version 5.00)',
  security: requires('containers:read'),
  request: { params: ContainerParams, query: KeyQuery },
  responses: {
    200: {
      description: 'The .reg text, as a download (Content-Disposition: attachment)',
      content: { 'text/plain': { schema: z.string() } },
      headers: z.object({ 'Content-Disposition': z.string() }),
    },
    ...reads,
  },
})

export const importRegistry = createRoute({
  operationId: 'importRegistry',
  tags: ['registry'],
  method: 'post',
  path: '/api/containers/{id}/registry/import',
  summary: 'Apply a .reg file to the container’s registry',
  description:
    'The body is the .reg file as is (UTF-16 with its BOM, as regedit writes it, or UTF-8), up to ' +
    '`limits.max_body_bytes`. A file that does not parse changes nothing (400). The container must be stopped.',
  security: requires('containers:write'),
  request: {
    params: ContainerParams,
    body: {
      required: true,
      content: {
        'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
        'text/plain': { schema: z.string() },
      },
    },
  },
  responses: { 200: json('What the file changed', RegistryImportResult), ...writes },
})
