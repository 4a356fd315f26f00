import { type Component, lazy } from 'solid-js'
import type { SessionInfo } from './lib/api.ts'

export interface PageProps {
  /** The route's `:params`, decoded. */
  params: Record<string, string>
}

/** A page of the panel. Pages load on demand, so the first screen stays small. */
export interface PanelRoute {
  path: string
  /** The document title and, with `nav`, the label in the navigation. */
  title: string
  /** Listed in the navigation (in this order) when true. */
  nav?: boolean
  /** Shown in the navigation only to principals holding this scope. */
  scope?: SessionInfo['scopes'][number]
  component: Component<PageProps>
}

// One line per page. Navigation order: Dashboard, Jobs, Events, Audit, Tokens, Passkeys, Users, System.
export const routes: PanelRoute[] = [
  {
    path: '/',
    title: 'Dashboard',
    nav: true,
    scope: 'containers:read',
    component: lazy(() => import('./pages/dashboard/dashboard-page.tsx')),
  },
  {
    path: '/containers/:id',
    title: 'Container',
    scope: 'containers:read',
    component: lazy(() => import('./pages/container/container-page.tsx')),
  },
  {
    path: '/jobs',
    title: 'Jobs',
    nav: true,
    scope: 'jobs:read',
    component: lazy(() => import('./pages/jobs/jobs-page.tsx')),
  },
  {
    path: '/events',
    title: 'Events',
    nav: true,
    scope: 'events:read',
    component: lazy(() => import('./pages/events/events-page.tsx')),
  },
  {
    path: '/audit',
    title: 'Audit',
    nav: true,
    scope: 'admin',
    component: lazy(() => import('./pages/audit/audit-page.tsx')),
  },
  {
    path: '/tokens',
    title: 'Tokens',
    nav: true,
    scope: 'account',
    component: lazy(() => import('./pages/tokens/tokens-page.tsx')),
  },
  {
    path: '/passkeys',
    title: 'Passkeys',
    nav: true,
    scope: 'account',
    component: lazy(() => import('./pages/passkeys/passkeys-page.tsx')),
  },
  {
    path: '/users',
    title: 'Users',
    nav: true,
    scope: 'admin',
    component: lazy(() => import('./pages/users/users-page.tsx')),
  },
  {
    path: '/system',
    title: 'System',
    nav: true,
    scope: 'system:read',
    component: lazy(() => import('./pages/system/system-page.tsx')),
  },
]
