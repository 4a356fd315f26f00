const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Milliseconds of a duration like "90m", "12h" or "30d"; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,4})([mhd])$/.exec(text.trim())
  if (!m?.[1] || !m[2]) return undefined
  const n = Number(m[1])
  return n > 0 ? n * (units[m[2]] as number) : undefined
}

/** The pattern the contract accepts for durations. */
export const durationPattern = /^\d{1,4}[mhd]$/
