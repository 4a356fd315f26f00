// The baseline of the list benchmark: a bare Hono hello-world on @hono/node-server, in its own
// process like the gateway. Prints its port as one JSON line once it listens.
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/', (c) => c.text('Hello Hono!'))
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 })
server.once('listening', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
