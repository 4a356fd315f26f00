import type { Container } from '../../lib/state.ts'

export interface DashboardFilter {
  text: string
  state: Container['state'] | ''
  runtime: Container['runtime']['kind'] | ''
}

/** The containers the dashboard shows for a filter, by name. */
export function filterContainers(all: readonly Container[], f: DashboardFilter): Container[] {
  const text = f.text.trim().toLowerCase()
  return all
    .filter(
      (c) =>
        (!f.state || c.state === f.state) &&
        (!f.runtime || c.runtime.kind === f.runtime) &&
        (!text ||
          c.name.toLowerCase().includes(text) ||
          (c.version ?? '').toLowerCase().includes(text) ||
          Object.entries(c.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(text))),
    )
    .sort((a, b) => a.name.localeCompare(b.name))
}
