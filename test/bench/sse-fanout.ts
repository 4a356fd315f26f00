// SSE fan-out: 1000 subscribers on GET /api/events of the real gateway (`orbit serve`), each a raw
// keep-alive socket in this process. A real API mutation (PATCH of a container's labels, which
// publishes container.updated) is timed from the moment its request is sent to the moment each
// subscriber has the event; and the gateway's memory is read before and after the subscribers.
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { readToken } from './gateway-list.ts'
import { type GatewayProc, startOrbit } from './gateway-proc.ts'
import { type Bench, mib, ms } from './harness.ts'

const subscribers = 1000
const mutations = 40

interface Subscriber {
  socket: Socket
  ready: boolean
  /** The text not yet searched (a marker may straddle two reads). */
  tail: string
  /** performance.now() when the awaited marker arrived, per mutation. */
  got: Map<string, number>
}

async function heapUsed(gw: GatewayProc): Promise<number> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } })
  const m = /^orbit_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(await res.text())
  return m ? Number(m[1]) : Number.NaN
}

function subscribe(gw: GatewayProc, token: string, markers: Set<string>): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: gw.port, noDelay: true })
    const s: Subscriber = { socket, ready: false, tail: '', got: new Map() }
    socket.setEncoding('latin1')
    socket.once('error', reject)
    socket.on('data', (text: string) => {
      const now = performance.now()
      const hay = s.tail + text
      if (!s.ready && hay.includes('event: ready')) {
        s.ready = true
        resolve(s)
      }
      for (const m of markers) if (!s.got.has(m) && hay.includes(m)) s.got.set(m, now)
      s.tail = hay.slice(-64)
    })
    socket.write(
      `GET /api/events HTTP/1.1\r\nhost: 127.0.0.1:${gw.port}\r\nauthorization: Bearer ${token}\r\n` +
        'accept: text/event-stream\r\n\r\n',
    )
  })
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] as number
}

export const sseFanout: Bench = async () => {
  // ORBIT_BENCH_GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the gateway meanwhile.
  const gw = await startOrbit(process.env.ORBIT_BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean))
  const subs: Subscriber[] = []
  try {
    const token = await readToken(gw, ['events:read'])
    const created = await fetch(`${gw.url}/api/containers`, {
      method: 'POST',
      body: JSON.stringify({ name: 'fanout', runtime: 'native' }),
      headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
    })
    const { id } = (await created.json()) as { id: string }
    // The mutation alone, before anyone listens: what the fan-out adds is the rest.
    const alone: number[] = []
    for (let k = 0; k < 10; k++) {
      const t0 = performance.now()
      const res = await fetch(`${gw.url}/api/containers/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ labels: { m: `alone-${k}` } }),
        headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
      })
      await res.arrayBuffer()
      alone.push(performance.now() - t0)
    }
    console.error(`  PATCH with no subscriber: ${ms(pct(alone, 50))} (median of 10)`)
    await sleep(1000)
    const rssBefore = gw.rss()
    const heapBefore = await heapUsed(gw)

    const markers = new Set<string>()
    // Connected a few at a time, as browsers would arrive; each waits for its `ready`.
    for (let i = 0; i < subscribers; i += 50) {
      subs.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, subscribers - i) }, () => subscribe(gw, token, markers)),
        )),
      )
    }
    await sleep(1000)
    const rssAfter = gw.rss()
    const heapAfter = await heapUsed(gw)
    console.error(`  ${subs.length} subscribers ready; gateway RSS ${mib(rssBefore)} -> ${mib(rssAfter)}`)

    const latencies: number[] = []
    const answered: number[] = []
    let missing = 0
    for (let k = 0; k < mutations; k++) {
      const marker = `mark-${String(k).padStart(6, '0')}`
      markers.add(marker)
      const sent = performance.now()
      const res = await fetch(`${gw.url}/api/containers/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ labels: { m: marker } }),
        headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
      })
      if (res.status !== 200) throw new Error(`PATCH: ${res.status} ${await res.text()}`)
      answered.push(performance.now() - sent)
      const deadline = performance.now() + 5000
      while (subs.some((s) => !s.got.has(marker)) && performance.now() < deadline) await sleep(5)
      for (const s of subs) {
        const at = s.got.get(marker)
        if (at === undefined) missing++
        else latencies.push(at - sent)
      }
      markers.delete(marker)
      await sleep(50)
    }
    const p50 = pct(latencies, 50)
    const p99 = pct(latencies, 99)
    const perSubRss = (rssAfter - rssBefore) / subscribers
    const perSubHeap = (heapAfter - heapBefore) / subscribers
    console.error(
      `  deliveries ${latencies.length}, missing ${missing}; first ${ms(pct(latencies, 0))}, p50 ${ms(p50)}, ` +
        `p99 ${ms(p99)}, max ${ms(pct(latencies, 100))}; PATCH answered in ${ms(pct(answered, 50))} (median)`,
    )
    return [
      {
        name: `SSE fan-out, ${subscribers} subscribers, ${mutations} PATCHes`,
        baseline: 'none (absolute target)',
        value: `p99 ${ms(p99)} (p50 ${ms(p50)}), ${missing} missed`,
        baselineValue: '-',
        ratio: `p99 ${ms(p99)}`,
        target: 'p99 under 100 ms, none missed',
        met: p99 < 100 && missing === 0,
      },
      {
        name: 'SSE memory per subscriber',
        baseline: 'gateway before the subscribers',
        value: `${(perSubRss / 1024).toFixed(1)} KiB RSS, ${(perSubHeap / 1024).toFixed(1)} KiB heap`,
        baselineValue: `${mib(rssBefore)} RSS, ${mib(heapBefore)} heap`,
        ratio: `+${mib(rssAfter - rssBefore)} RSS for ${subscribers}`,
        target: 'none (reported)',
        met: true,
      },
    ]
  } finally {
    for (const s of subs) s.socket.destroy()
    await gw.stop()
  }
}
