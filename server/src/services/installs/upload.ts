import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { OrbitError } from '../../errors.ts'

export interface Upload {
  /** <data>/uploads/<id>: the upload's own folder, removed with it. */
  dir: string
  /** The file, under its given name (the core records that name in the manifest). */
  path: string
  size: number
}

export const uploadsDir = (dataDir: string) => join(dataDir, 'uploads')

/**
 * Streams a request body into a new file under <data>/uploads, refusing more than `maxBytes`
 * (EPAYLOAD_TOO_LARGE, nothing left behind) and an empty body (EVALIDATION).
 */
export async function receiveUpload(
  body: ReadableStream<Uint8Array> | null,
  dataDir: string,
  fileName: string,
  maxBytes: number,
): Promise<Upload> {
  if (!body) throw new OrbitError('EVALIDATION', 'the request has no body; send the file as the body')
  const dir = join(uploadsDir(dataDir), randomUUID())
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, fileName)
  let size = 0
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length
      if (size > maxBytes) done(new OrbitError('EPAYLOAD_TOO_LARGE', `the upload exceeds ${maxBytes} bytes`))
      else done(null, chunk)
    },
  })
  try {
    await pipeline(
      Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>),
      limit,
      // Readable by the sandbox's own user, which copies it in; the 0700 folder keeps it private.
      createWriteStream(path, { flags: 'wx', mode: 0o644 }),
    )
    if (size === 0) throw new OrbitError('EVALIDATION', 'the body is empty; send the file as the body')
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    if (err instanceof OrbitError) throw err
    throw new OrbitError('EVALIDATION', `the upload broke off after ${size} bytes: ${(err as Error).message}`)
  }
  return { dir, path, size }
}
