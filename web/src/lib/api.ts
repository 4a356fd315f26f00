import { createOrbitClient, type SystemInfo, unwrap } from '../../../sdk-gen/client.ts'
import { currentToken } from './token.ts'

export { OrbitApiError } from '../../../sdk-gen/client.ts'
export type { SystemInfo }

/** The one client of the panel: same origin, the session's token on every request. */
export const client = createOrbitClient({ token: () => currentToken() })

export const api = {
  systemInfo: async (): Promise<SystemInfo> => unwrap(await client.GET('/api/system/info')),
}
