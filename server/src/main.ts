// The node entry: `npm start` and `orbit serve` both land here.
import { type Config, loadConfigWithSources } from './config.ts'
import { startGateway } from './gateway.ts'

export async function serveForever(overrides: Partial<Config> = {}): Promise<void> {
  const readConfig = () => loadConfigWithSources(overrides)
  const { config } = readConfig()
  const gateway = await startGateway(config, { readConfig })
  console.log(`Orbit is running at ${gateway.url}/#token=${gateway.adminToken}`)
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
