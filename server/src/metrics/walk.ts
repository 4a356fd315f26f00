import { lstat, opendir } from 'node:fs/promises'
import { join } from 'node:path'

export interface TreeUsage {
  /** Bytes allocated on disk (st_blocks × 512), each inode counted once. */
  bytes: number
  entries: number
  /** The walk stopped at its entry budget; `bytes` is a lower bound. */
  truncated: boolean
}

/**
 * Disk used by a folder tree, walked with async fs calls so the event loop keeps serving while
 * it runs. Bounded by `maxEntries` (a container with millions of files must not make a scrape
 * sweep run for minutes); hard links are counted once, symlinks are not followed. Entries that
 * vanish meanwhile (a run deleting its temp files) are skipped, not errors.
 */
export async function treeUsage(root: string, maxEntries = 200_000): Promise<TreeUsage> {
  const seen = new Set<string>()
  const out: TreeUsage = { bytes: 0, entries: 0, truncated: false }
  const pending = [root]
  while (pending.length > 0) {
    const path = pending.pop() as string
    if (out.entries >= maxEntries) {
      out.truncated = true
      break
    }
    let st: Awaited<ReturnType<typeof lstat>>
    try {
      st = await lstat(path)
    } catch {
      continue
    }
    out.entries++
    const key = `${st.dev}:${st.ino}`
    if (st.nlink > 1 && seen.has(key)) continue
    if (st.nlink > 1) seen.add(key)
    out.bytes += Number(st.blocks) * 512
    if (!st.isDirectory()) continue
    try {
      const dir = await opendir(path, { bufferSize: 256 })
      for await (const d of dir) {
        // Never hold more names than the budget could still visit.
        if (out.entries + pending.length >= maxEntries) {
          out.truncated = true
          break
        }
        pending.push(join(path, d.name))
      }
    } catch {
      // Gone or unreadable: what was counted stands.
    }
  }
  return out
}
