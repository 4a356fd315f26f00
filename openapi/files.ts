import { createRoute, z } from '@hono/zod-openapi'
import { ContainerParams } from './containers.ts'
import { errorResponses, notFoundResponse } from './errors.ts'
import { requires } from './security.ts'

const WindowsPath = z
  .string()
  .min(2)
  .max(32767)
  .openapi({
    description:
      'A path on the container’s C: drive (`C:\\`, `C:\\Program Files\\Acme`; `/` works too, names match ' +
      'ignoring case). `..`, other drives and host paths are refused (400); a link that leads out of ' +
      'the C: drive is refused (403)',
    example: 'C:\\Program Files',
  })

export const FileEntry = z
  .object({
    name: z.string(),
    kind: z.enum(['file', 'dir', 'link']),
    size: z.number().int().openapi({ description: 'Bytes (a link: the length of its target)' }),
    mtime: z.string().openapi({ format: 'date-time' }),
    target: z.string().optional().openapi({ description: 'A link’s target, as stored' }),
    origin: z.enum(['container', 'runtime']).openapi({
      description: 'Written by the container (its layer), or from the base runtime under it',
    }),
  })
  .openapi('FileEntry')
export type FileEntry = z.infer<typeof FileEntry>

export const FileListing = z
  .object({
    path: z.string().openapi({ description: 'The folder, names as stored (links inside C: followed)' }),
    entries: z.array(FileEntry).openapi({ description: 'Folders first, then by name ignoring case' }),
  })
  .openapi('FileListing', {
    description: "A folder of the container's C: drive as its programs see it (layer over runtime)",
  })
export type FileListing = z.infer<typeof FileListing>

export const listFiles = createRoute({
  operationId: 'listFiles',
  tags: ['files'],
  method: 'get',
  path: '/api/containers/{id}/files',
  summary: 'The entries of a folder of the container’s C: drive',
  security: requires('containers:read'),
  request: {
    params: ContainerParams,
    query: z.object({ path: WindowsPath.default('C:\\') }),
  },
  responses: {
    200: { description: 'The folder', content: { 'application/json': { schema: FileListing } } },
    ...errorResponses,
    ...notFoundResponse,
  },
})

export const downloadFile = createRoute({
  operationId: 'downloadFile',
  tags: ['files'],
  method: 'get',
  path: '/api/containers/{id}/files/download',
  summary: 'One file of the container’s C: drive, streamed',
  security: requires('containers:read'),
  request: { params: ContainerParams, query: z.object({ path: WindowsPath }) },
  responses: {
    200: {
      description: 'The file’s bytes (Content-Disposition: attachment with its name)',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
      headers: z.object({ 'Content-Disposition': z.string(), 'Content-Length': z.string() }),
    },
    ...errorResponses,
    ...notFoundResponse,
  },
})
