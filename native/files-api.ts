// Typed entry to a container's files view (native/src/files, bound in
// native/src/napi/exports_files.rs): its C: drive as its programs see it (the layer over a
// clone's frozen layers and the base runtime, overlay whiteouts and opaque folders honoured).
// Errors are coded: EINVAL (not a C: path, `..`, a file where a folder is wanted...),
// ENOTFOUND_FILE, ENOTFOUND_CONTAINER, EOUTSIDE (a link that leads out of the C: drive),
// ECHANGED (the file changed between resolving and opening it).
import { constants, type promises as fsp } from 'node:fs'
import { open } from 'node:fs/promises'
import { native } from './index.ts'

export type FileKind = 'file' | 'dir' | 'link'
/** Whether the container wrote it (its layer) or it comes from the base runtime. */
export type FileOrigin = 'container' | 'runtime'

export interface FileEntry {
  name: string
  kind: FileKind
  /** Bytes (a link: the length of its target). */
  size: number
  /** Milliseconds since the epoch. */
  mtime: number
  /** A link's target, as stored. */
  target?: string
  origin: FileOrigin
}

export interface Listing {
  /** The folder's Windows path with the names as stored (links followed). */
  path: string
  /** Folders first, then by name ignoring case. */
  entries: FileEntry[]
}

export interface ResolvedFile {
  path: string
  /** Host path of the layer file holding the bytes. */
  realPath: string
  size: number
  mtime: number
  /** Decimal device and inode numbers of the file that was resolved. */
  dev: string
  ino: string
  origin: FileOrigin
}

interface FilesBinding {
  containerFilesList(dataDir: string, id: string, path: string): Promise<Listing>
  containerFilesResolve(dataDir: string, id: string, path: string): Promise<ResolvedFile>
}

const files = (): FilesBinding => native() as unknown as FilesBinding

/** The folder at a Windows path (`C:\Program Files`) of a container. */
export function listFiles(dataDir: string, id: string, path: string): Promise<Listing> {
  return files().containerFilesList(dataDir, id, path)
}

/** The regular file at a Windows path of a container, resolved to its layer file. */
export function resolveFile(dataDir: string, id: string, path: string): Promise<ResolvedFile> {
  return files().containerFilesResolve(dataDir, id, path)
}

export interface OpenedFile {
  file: ResolvedFile
  /** Open for reading; the caller closes it. */
  handle: fsp.FileHandle
  /** Size at open time. */
  size: number
}

/**
 * Resolves and opens a container's file for reading. A running program may swap names in its
 * layer meanwhile, so the open never follows a link at the last name, never blocks on a fifo,
 * and must land on the very inode the core resolved (else ECHANGED): what is read is always
 * that file of the layer, never something a swapped name points to.
 */
export async function openFile(dataDir: string, id: string, path: string): Promise<OpenedFile> {
  const file = await resolveFile(dataDir, id, path)
  const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY
  let handle: fsp.FileHandle
  try {
    handle = await open(file.realPath, flags)
  } catch (err) {
    throw changed(file, err)
  }
  try {
    const st = await handle.stat({ bigint: true })
    if (!st.isFile() || String(st.dev) !== file.dev || String(st.ino) !== file.ino) throw changed(file)
    return { file, handle, size: Number(st.size) }
  } catch (err) {
    await handle.close()
    throw err
  }
}

function changed(file: ResolvedFile, cause?: unknown): Error {
  const why = cause instanceof Error ? `: ${cause.message}` : ''
  return Object.assign(new Error(`${file.path} changed while it was being opened${why}; try again`), {
    code: 'ECHANGED',
  })
}
