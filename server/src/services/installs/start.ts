import { rm } from 'node:fs/promises'
import type { InstallAccepted } from '../../../../openapi/installs.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { installJobKind } from '../containers/kinds.ts'
import type { ContainerStateName } from '../containers/model.ts'
import { assertCan, transition } from '../containers/state.ts'
import { findContainer } from '../containers/store.ts'
import { hostDisplay, type X11Display } from '../runs/display.ts'
import { receiveUpload } from './upload.ts'

export type InstallParams = {
  containerId: string
  uploadDir: string
  file: string
  filename: string
  args: string[]
  size: number
  blake3: string
  /** The installer is stopped after this many seconds (absent in jobs from before the limit). */
  timeoutSeconds?: number
  /**
   * The X11 display the installer's windows show on (container display `host`), resolved when
   * the install was requested; absent for display `none` and in jobs from before displays.
   */
  display?: X11Display
  /** Where the container goes back to when the job is canceled before it started. */
  previousState: ContainerStateName
  previousReason: string | null
}

export interface InstallRequest {
  filename: string
  args: string[]
  /** Overrides the configured install timeout. */
  timeoutSeconds?: number
  contentType: string | undefined
  contentLength: string | undefined
  body: ReadableStream<Uint8Array> | null
}

/**
 * Receives an installer and enqueues its container.install job; the container is `installing`
 * from here until the job ends. Everything that can be refused is refused before the upload.
 */
export async function startInstall(
  deps: ContainerDeps,
  idOrName: string,
  req: InstallRequest,
): Promise<InstallAccepted> {
  const row = findContainer(deps.db, idOrName)
  if (!/^application\/octet-stream\s*(;|$)/i.test(req.contentType ?? '')) {
    throw new OrbitError(
      'EUNSUPPORTED_MEDIA_TYPE',
      'send the installer as the body with Content-Type: application/octet-stream',
    )
  }
  const max = deps.config.maxUploadBytes
  if (req.contentLength !== undefined && Number(req.contentLength) > max) {
    throw new OrbitError(
      'EPAYLOAD_TOO_LARGE',
      `the installer is ${req.contentLength} bytes; the limit is ${max}`,
    )
  }
  if (row.runtimeKind !== 'wine') {
    throw new OrbitError(
      'ECONFLICT',
      `container ${row.name} is a native container; installers need a Wine one`,
    )
  }
  assertCan(row, 'install')
  // A GUI installer of a display-host container needs the display to be clicked through: a
  // gateway without one refuses now (ECONFLICT, saying what to set), before the upload.
  if (row.display === 'host') hostDisplay(deps.config)
  const upload = await receiveUpload(req.body, deps.config.dataDir, req.filename, max)
  try {
    const hash = await deps.core.hashFile(upload.path)
    // The upload took a while: the container may have changed meanwhile.
    const before = findContainer(deps.db, row.id)
    const display = before.display === 'host' ? hostDisplay(deps.config) : undefined
    transition(deps, row.id, 'install', 'installing', `installing ${req.filename}`)
    const params: InstallParams = {
      containerId: row.id,
      uploadDir: upload.dir,
      file: upload.path,
      filename: req.filename,
      args: req.args,
      size: upload.size,
      blake3: hash.hash,
      timeoutSeconds: req.timeoutSeconds ?? deps.config.installTimeoutSeconds,
      ...(display ? { display } : {}),
      previousState: before.state,
      previousReason: before.stateReason,
    }
    let job: ReturnType<Deps['jobs']['enqueue']>
    try {
      job = deps.jobs.enqueue(installJobKind, params, { containerId: row.id })
    } catch (err) {
      transition(deps, row.id, ['installing'], before.state, before.stateReason)
      throw err
    }
    return { job, installer: { name: req.filename, size: upload.size, blake3: hash.hash } }
  } catch (err) {
    await rm(upload.dir, { recursive: true, force: true })
    throw err
  }
}
