// `npm run bench`: every benchmark, each as a ratio against a baseline measured in the same run.
import { dashboard } from './dashboard.ts'
import { gatewayList } from './gateway-list.ts'
import { type Bench, type BenchResult, printResults } from './harness.ts'
import { pack } from './pack.ts'
import { sandboxSetup } from './sandbox-setup.ts'
import { sseFanout } from './sse-fanout.ts'
import { storeBench } from './store.ts'
import { webBundle } from './web-bundle.ts'
import { wineContainers } from './wine-containers.ts'

const benches: Record<string, Bench> = {
  'sandbox-setup': sandboxSetup,
  'wine-containers': wineContainers,
  store: storeBench,
  pack,
  'gateway-list': gatewayList,
  'sse-fanout': sseFanout,
  dashboard,
  'web-bundle': webBundle,
}

const only = process.argv.slice(2)
const results: BenchResult[] = []
for (const [name, bench] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue
  console.error(`bench: ${name}…`)
  results.push(...(await bench()))
}
printResults(results)
