const units = ['B', 'KB', 'MB', 'GB', 'TB']

/** 1536 -> "1.5 KB" (powers of 1024, as file managers show sizes). */
export function formatBytes(n: number): string {
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`
}

/** "3 min ago", "in 2 h", "just now": for times shown beside live data. */
export function timeAgo(iso: string, now: number = Date.now()): string {
  const s = Math.round((now - Date.parse(iso)) / 1000)
  if (Number.isNaN(s)) return iso
  if (Math.abs(s) < 10) return 'just now'
  const abs = Math.abs(s)
  const [v, unit] =
    abs < 60
      ? [abs, 's']
      : abs < 3600
        ? [Math.floor(abs / 60), 'min']
        : abs < 86_400
          ? [Math.floor(abs / 3600), 'h']
          : abs < 365 * 86_400
            ? [Math.floor(abs / 86_400), 'd']
            : [Math.floor(abs / (365 * 86_400)), 'y']
  return s >= 0 ? `${v} ${unit} ago` : `in ${v} ${unit}`
}
