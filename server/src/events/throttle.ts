/**
 * Calls `emit` at most once per `intervalMs`: the first value at once (leading edge), then only
 * the latest value at the end of each interval (trailing edge). The last value is never lost: it
 * is emitted when its interval ends, or earlier by `flush()`.
 */
export class Throttle<T> {
  private timer: NodeJS.Timeout | undefined
  private pendingValue: { value: T } | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (value: T) => void,
    /** Called when an interval ends with nothing pending, so owners can drop idle throttles. */
    private readonly onIdle?: () => void,
  ) {}

  push(value: T): void {
    if (this.timer) {
      this.pendingValue = { value }
      return
    }
    this.emit(value)
    this.arm()
  }

  /** The value waiting for the trailing edge, if any. */
  get pending(): T | undefined {
    return this.pendingValue?.value
  }

  /** Emits the pending value now, if there is one; the interval keeps running. */
  flush(): void {
    const p = this.pendingValue
    this.pendingValue = undefined
    if (p) this.emit(p.value)
  }

  /** Stops the timer without emitting; call after `flush()` when the owner is done. */
  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.pendingValue = undefined
  }

  private arm(): void {
    this.timer = setTimeout(() => this.tick(), this.intervalMs)
    // A pending value must not keep a finished process alive; owners flush on close.
    this.timer.unref()
  }

  private tick(): void {
    this.timer = undefined
    if (this.pendingValue) {
      this.flush()
      this.arm()
    } else {
      this.onIdle?.()
    }
  }
}
