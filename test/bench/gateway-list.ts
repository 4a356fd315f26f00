// GET /api/containers with 1000 containers, authenticated with a real API token, served by the real
// gateway (`orbit serve`, @hono/node-server), vs a bare Hono hello-world on node-server: the same
// load generator and settings, rounds alternated so both see the same machine load.

import { type GatewayProc, startHello, startOrbit } from './gateway-proc.ts'
import { type Bench, type BenchResult, ms } from './harness.ts'
import { type LoadResult, runLoad } from './http-load.ts'

const containerCount = 1000
const connections = 32
const rounds = Number(process.env.ORBIT_BENCH_ROUNDS ?? 3)
const roundMs = 4000
const warmupMs = 1000

async function api(gw: GatewayProc, path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    ...init,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
  })
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<Record<string, unknown>>
}

/** 1000 native containers through the API (the service layer writes folders and rows). */
export async function fill(gw: GatewayProc, count: number): Promise<string[]> {
  const ids: string[] = []
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      const c = await api(gw, '/api/containers', {
        method: 'POST',
        json: { name: `bench-${String(i).padStart(4, '0')}`, runtime: 'native', labels: { bench: 'yes' } },
      })
      ids.push(c.id as string)
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
  return ids
}

/** An API token of the kind automation uses (hashed in SQLite), with only the scopes needed. */
export async function readToken(gw: GatewayProc, scopes: string[]): Promise<string> {
  const t = await api(gw, '/api/tokens', { method: 'POST', json: { name: `bench-${Date.now()}`, scopes } })
  return t.token as string
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

export const gatewayList: Bench = async () => {
  // ORBIT_BENCH_GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the gateway meanwhile.
  const gw = await startOrbit(process.env.ORBIT_BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean))
  const hello = await startHello()
  try {
    const t0 = performance.now()
    await fill(gw, containerCount)
    console.error(`  ${containerCount} containers made in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const token = await readToken(gw, ['containers:read'])
    const page = (await api(gw, '/api/containers')) as { items: unknown[] }
    const common = { host: '127.0.0.1', connections, durationMs: roundMs, warmupMs }
    const cases = {
      hello: () => runLoad({ ...common, port: hello.port, path: '/' }),
      list: () =>
        runLoad({
          ...common,
          port: gw.port,
          path: '/api/containers',
          headers: { authorization: `Bearer ${token}` },
        }),
      // The gateway's fixed cost (logging, headers, host check) without auth or data, for scale.
      healthz: () => runLoad({ ...common, port: gw.port, path: '/healthz' }),
      listAll: () =>
        runLoad({
          ...common,
          port: gw.port,
          path: `/api/containers?limit=${containerCount}`,
          headers: { authorization: `Bearer ${token}` },
        }),
    }
    const got: Record<keyof typeof cases, LoadResult[]> = { hello: [], list: [], healthz: [], listAll: [] }
    for (let r = 0; r < rounds; r++) {
      for (const [name, run] of Object.entries(cases) as [keyof typeof cases, () => Promise<LoadResult>][]) {
        const res = await run()
        if (res.non2xx > 0) throw new Error(`${name}: ${res.non2xx} responses were not 2xx`)
        console.error(
          `  round ${r + 1} ${name}: ${res.rps.toFixed(0)} req/s, p50 ${ms(res.p50)}, p99 ${ms(res.p99)}`,
        )
        got[name].push(res)
      }
    }
    const rps = (k: keyof typeof cases) => median(got[k].map((x) => x.rps))
    const p99 = (k: keyof typeof cases) => median(got[k].map((x) => x.p99))
    const baseline = rps('hello')
    const result = (k: 'list' | 'listAll' | 'healthz', what: string, target: boolean): BenchResult => {
      const ratio = rps(k) / baseline
      return {
        name: what,
        baseline: 'bare Hono hello-world on node-server',
        value: `${rps(k).toFixed(0)} req/s, p99 ${ms(p99(k))}`,
        baselineValue: `${baseline.toFixed(0)} req/s, p99 ${ms(p99('hello'))}`,
        ratio: `${ratio.toFixed(2)}x`,
        target: target ? 'at least 0.70x' : 'none (shown for scale)',
        met: target ? ratio >= 0.7 : true,
      }
    }
    return [
      result(
        'list',
        `GET /api/containers (page of ${page.items.length} of ${containerCount}, token, ${connections} conns)`,
        true,
      ),
      result('healthz', 'GET /healthz on the gateway (no auth, no data)', false),
      result('listAll', `GET /api/containers?limit=${containerCount} (all ${containerCount})`, false),
    ]
  } finally {
    await Promise.all([gw.stop(), hello.stop()])
  }
}
