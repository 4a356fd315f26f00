// Staleness checks shared by the build scripts, so setup is quick when nothing changed.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** The newest modification time (ms) of any file under the given paths, skipping `skip` names. */
export function newestMtime(paths, skip = new Set(['node_modules', 'target', 'dist', 'build', '.git'])) {
  let newest = 0
  const visit = (p) => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (!skip.has(name)) visit(join(p, name))
    } else if (st.mtimeMs > newest) newest = st.mtimeMs
  }
  for (const p of paths) visit(p)
  return newest
}

/** True when `output` is missing or older than anything under `inputs`. */
export function isStale(output, inputs) {
  if (!existsSync(output)) return true
  return statSync(output).mtimeMs < newestMtime(inputs)
}
