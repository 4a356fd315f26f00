// Typed entry to the core's sandbox (native/src/sandbox, bound in native/src/napi/sandbox.rs):
// start a program in a container's sandbox, stream its output, wait for it, stop it.
import { native } from './index.ts'

/** How a limit was enforced on this machine. */
export type LimitMechanism = 'cgroup-v1' | 'cgroup-v2' | 'rlimit' | 'none'

export interface LimitsApplied {
  memory: LimitMechanism
  pids: LimitMechanism
}

/** An X11 display on the host. Mirrors `sandbox::X11Display`. */
export interface RunDisplay {
  /** 0-65535. */
  number: number
  /** Absolute, clean host path of the X server's unix socket. */
  socket: string
  /** Absolute, clean host path of an Xauthority file holding a cookie for this display. */
  xauthority?: string | null
}

/** One run. Mirrors `sandbox::RunSpec` (unknown fields are rejected with EINVAL). */
export interface RunSpec {
  kind: 'native' | 'wine'
  /** native: absolute path inside, or a bare name found in PATH; wine: `C:\dir\app.exe`. */
  program: string
  /** Passed verbatim: `--bind / /` or `--` are data. */
  args?: string[]
  /** HOME, USER, LOGNAME, PATH (and WINEPREFIX for wine) are fixed by the sandbox. */
  env?: Record<string, string>
  /** native: absolute path inside; wine: a `C:\...` path. */
  cwd?: string
  /** What appears at /orbit/prefix. */
  prefix?: { mode: 'overlay'; lower: string; upper: string; work: string } | { mode: 'bind'; path: string }
  /** Extra host paths, mapped under /orbit/ (not under /orbit/prefix). */
  binds?: { src: string; dst: string; writable?: boolean }[]
  network?: 'none' | 'host'
  /**
   * An X11 display shown inside: the host socket (`socket`, normally `/tmp/.X11-unix/X<number>`)
   * appears at `/tmp/.X11-unix/X<number>`, DISPLAY=:<number> is set, and with `xauthority` (a host
   * Xauthority file) that display's cookies are copied in for the orbit user (XAUTHORITY set).
   * Absent or null: no display, and DISPLAY/XAUTHORITY from `env` are dropped.
   */
  display?: RunDisplay | null
  limits?: { memoryBytes?: number; pids?: number }
  /** Container id: runs naming the same one share one sandbox (and one wineserver). */
  instance?: string
  /**
   * How long leftovers may stay once no run is attached (default 1 s native, 10 s wine). A wine run
   * with an `instance` keeps the container's wineserver warm that long (minus 1 s for Wine to shut
   * down), so the next run starts fast; the container counts as running until then.
   */
  lingerMs?: number
}

export interface RunInfo {
  id: number
  /** The program's pid on the host. */
  pid: number
  /** The sandbox's init (pid 1 inside) on the host. */
  initPid: number
  runnerPid: number
  /** True when the run joined the container's already running sandbox. */
  joined: boolean
  limits: LimitsApplied
}

export interface ExitStatus {
  code: number | null
  signal: number | null
  limits: LimitsApplied
}

export interface InstanceInfo {
  key: string | null
  initPid: number
  runnerPid: number
  attached: number
  limits: LimitsApplied
}

export type OutputStream = 'stdout' | 'stderr'

/** The raw sandbox exports of the addon. */
export interface SandboxBinding {
  sandboxSpawn(spec: RunSpec, onOutput?: (stream: OutputStream, chunk: Buffer) => void): Promise<RunInfo>
  sandboxWait(id: number): Promise<ExitStatus>
  sandboxStop(id: number, graceMs?: number): Promise<ExitStatus>
  sandboxStopInstance(container: string, graceMs?: number): Promise<boolean>
  sandboxInstances(): InstanceInfo[]
}

function binding(): SandboxBinding {
  return native() as unknown as SandboxBinding
}

/** A started run: its facts, its exit as a Promise, and a bounded stop. */
export class SandboxRun {
  readonly exited: Promise<ExitStatus>
  #done = false

  constructor(readonly info: RunInfo) {
    this.exited = binding()
      .sandboxWait(info.id)
      .finally(() => {
        this.#done = true
      })
  }

  /** SIGTERM the program's group, SIGKILL after `graceMs`; ends the sandbox when nothing else runs in it. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    if (this.#done) return this.exited
    try {
      return await binding().sandboxStop(this.info.id, graceMs)
    } catch (e) {
      // The run finished (and was collected) meanwhile: its exit is the answer.
      if ((e as { code?: string }).code === 'ENOTFOUND_RUN') return this.exited
      throw e
    }
  }
}

/** Start `spec`; output chunks go to `onOutput` as they arrive (drained and dropped without one). */
export async function startRun(
  spec: RunSpec,
  onOutput?: (stream: OutputStream, chunk: Buffer) => void,
): Promise<SandboxRun> {
  return new SandboxRun(await binding().sandboxSpawn(spec, onOutput))
}

/** Stop everything running in a container's sandbox. False when none was running. */
export function stopInstance(container: string, graceMs = 5000): Promise<boolean> {
  return binding().sandboxStopInstance(container, graceMs)
}

/** Live sandboxes of containers. */
export function instances(): InstanceInfo[] {
  return binding().sandboxInstances()
}
