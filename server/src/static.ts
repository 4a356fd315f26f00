import { existsSync, readFileSync, statSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import type { Context } from 'hono'

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
}

/**
 * Serves the built SPA: files by path, never outside the directory, and index.html for any other
 * path so client-side routes survive a reload. Hashed assets are cached for good; index.html never.
 */
export function serveSpa(staticDir: string | undefined) {
  return function spa(c: Context): Response {
    if (!staticDir || !existsSync(join(staticDir, 'index.html'))) {
      return c.text('The web panel is not built yet: run `npm run setup`.', 503)
    }
    const rel = normalize(decodeURIComponent(new URL(c.req.url).pathname)).replace(/^([/\\])+/, '')
    let file = join(staticDir, rel)
    if (!file.startsWith(staticDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      file = join(staticDir, 'index.html')
    }
    const isIndex = file.endsWith(`${sep}index.html`)
    return c.body(readFileSync(file), 200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cache-control': isIndex ? 'no-cache' : 'public, max-age=31536000, immutable',
    })
  }
}
