import { z } from '@hono/zod-openapi'

/**
 * starting → running → exited (it ended by itself) | stopped (POST …/stop) · failed: it could not
 * start · lost: the gateway stopped while it ran (its sandbox ended with the gateway).
 */
export const RunState = z
  .enum(['starting', 'running', 'exited', 'stopped', 'failed', 'lost'])
  .openapi('RunState')
export type RunState = z.infer<typeof RunState>
