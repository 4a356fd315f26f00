// The node entry: `npm start` and `orbit serve` both land here.
import { type Config, loadConfigWithSources } from './config.ts'
import { startGateway } from './gateway.ts'

export async function serveForever(overrides: Partial<Config> = {}): Promise<void> {
  const readConfig = () => loadConfigWithSources(overrides)
  const { config } = readConfig()
  const gateway = await startGateway(config, { readConfig })
  console.log(`Orbit is running at ${gateway.url}`)
  console.log(`  panel: ${gateway.panelUrl} (sign in with a passkey)`)
  if (gateway.setupLink) {
    const minutes = Math.round((gateway.setupLink.expiresAt - Date.now()) / 60_000)
    // The one place the setup secret appears: this console. It is stored only as a hash.
    console.log(`  Set up the first admin: ${gateway.setupLink.url}  (one use, ${minutes} minutes)`)
  }
  if (gateway.adminToken) console.log('  admin token: ORBIT_ADMIN_TOKEN is accepted as a bearer token')
  console.log(`  data: ${config.dataDir}`)
  console.log('  stop: Ctrl+C')
  const stop = () => {
    gateway.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  serveForever().catch((err: unknown) => {
    console.error(`orbit: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
}
