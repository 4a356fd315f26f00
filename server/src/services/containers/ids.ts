import { randomBytes } from 'node:crypto'

/**
 * A container id made from its name, the way the core makes them ("Acme Writer" ->
 * "acme-writer-3f9a1c"). Chosen here rather than by the core so a create job that runs again
 * after a restart finds the container it made the first time.
 */
export function idFromName(name: string): string {
  let slug = ''
  for (const c of name) {
    if (/^[A-Za-z0-9]$/.test(c)) slug += c.toLowerCase()
    else if (slug !== '' && !slug.endsWith('-')) slug += '-'
    if (slug.length >= 40) break
  }
  slug = slug.replace(/-+$/, '')
  const suffix = randomBytes(3).toString('hex')
  return slug === '' ? `c-${suffix}` : `${slug}-${suffix}`
}
