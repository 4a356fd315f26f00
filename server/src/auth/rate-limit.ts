interface Bucket {
  tokens: number
  at: number
}

/** Beyond this many tracked addresses, full buckets (nothing to remember) are dropped. */
const maxTracked = 10_000

/**
 * A token bucket per peer address for failures (bad sign-ins, bad tokens): each failure takes a
 * token, `perMinute` tokens come back per minute up to `perMinute`; an empty bucket means 429 until
 * one returns. Memory only: a restart forgives, which is acceptable for a brute-force brake.
 */
export class FailureLimiter {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly perMinute: () => number,
    private readonly now: () => number,
  ) {}

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    const b = this.refill(key)
    return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) * 60) / this.perMinute())
  }

  /** Counts one failure against `key`. */
  fail(key: string): void {
    const b = this.refill(key)
    b.tokens = Math.max(0, b.tokens - 1)
    this.buckets.set(key, b)
    if (this.buckets.size > maxTracked) this.forgetFull()
  }

  private refill(key: string): Bucket {
    const cap = this.perMinute()
    const now = this.now()
    const b = this.buckets.get(key)
    if (!b) return { tokens: cap, at: now }
    b.tokens = Math.min(cap, b.tokens + ((now - b.at) * cap) / 60_000)
    b.at = now
    return b
  }

  private forgetFull(): void {
    for (const key of [...this.buckets.keys()])
      if (this.refill(key).tokens >= this.perMinute()) this.buckets.delete(key)
  }
}
