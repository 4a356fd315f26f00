// The container story end to end, with real Wine, through the CLI and through the generated
// client against a real gateway: create two containers (the first makes the base runtime),
// install Acme v1 and v2, run both side by side, watch the events arrive over SSE, download and
// follow logs, stop a long run, snapshot and roll back, clone, export encrypted and import into
// a second gateway, refuse a too-big upload, survive a gateway killed mid-install, delete.
// One data dir (so one runtime, made once) serves the main gateway and its restart.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'
import { type components, createOrbitClient, type OrbitClient, unwrap } from '../../sdk-gen/client.ts'
import { readSse } from '../../server/src/events/sse-reader.ts'
import { runCli } from '../support/cli.ts'
import { orbitBin, type RunningGateway, spawnGateway } from '../support/gateway.ts'

type Event = components['schemas']['Event']
type Job = components['schemas']['Job']
type Run = components['schemas']['Run']
type Container = components['schemas']['Container']
type InstallResult = components['schemas']['InstallResult']

const ACME = 'C:\\Program Files\\Acme\\acme.exe'
const adminToken = `e2e-story-${process.pid}-0123456789abcdef`
const dataDir = mkdtempSync(join(tmpdir(), 'orbit-e2e-story-'))
// Small enough to prove the limit with a few MiB; the fixtures are ~100 KiB.
const gatewayEnv = { ORBIT_ADMIN_TOKEN: adminToken, ORBIT_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024) }

let gw: RunningGateway
let client: OrbitClient
let cliEnv: NodeJS.ProcessEnv
const events: Event[] = []
let stream: AbortController | undefined

/**
 * Collects every event in the background. After a gateway restart it resumes with Last-Event-ID
 * from the last event it saw, so what the gateway published while no one listened (recovery at
 * start, a shutdown's last events) comes first.
 */
async function collect(): Promise<void> {
  stream = new AbortController()
  const last = events.at(-1)?.id
  const res = await fetch(`${gw.url}/api/events`, {
    headers: {
      authorization: `Bearer ${gw.token}`,
      ...(last === undefined ? {} : { 'last-event-id': String(last) }),
    },
    signal: stream.signal,
  })
  assert.equal(res.status, 200)
  assert.ok(res.body)
  let isReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    isReady = resolve
  })
  ;(async () => {
    try {
      for await (const m of readSse(res.body as ReadableStream<Uint8Array>)) {
        if (m.event === 'ready') isReady()
        else if (m.event !== 'comment' && m.event !== 'reset') events.push(JSON.parse(m.data) as Event)
      }
    } catch {
      // aborted, or the gateway went away
    }
  })()
  await ready
}

async function startGateway(): Promise<void> {
  gw = await spawnGateway({ dataDir, env: gatewayEnv })
  client = createOrbitClient({ baseUrl: gw.url, token: gw.token })
  cliEnv = { ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token }
  await collect()
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const job = async (id: string) => unwrap(await client.GET('/api/jobs/{id}', { params: { path: { id } } }))
const finished = (id: string) =>
  until(
    `job ${id}`,
    async () => {
      const j = await job(id)
      return ['succeeded', 'failed', 'canceled'].includes(j.state) ? j : undefined
    },
    180_000,
  )
const container = async (id: string) =>
  unwrap(await client.GET('/api/containers/{id}', { params: { path: { id } } }))

/** Uploads an installer through the client (the body streamed, as the CLI does). */
async function uploadInstaller(name: string, file: string, args: string[] = []) {
  const body = readFileSync(file)
  return unwrap(
    await client.POST('/api/containers/{id}/installs', {
      params: { path: { id: name }, query: { filename: file.split('/').pop() as string, args } },
      body: body as unknown as string,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  )
}

const lines = (text: string) => text.split('\n')

// A step that hangs fails alone instead of stalling the whole file (the machine is shared and slow
// at times: the bound is generous).
const limit = { timeout: 240_000 }

before(async () => {
  buildFixtures({ log: () => {} })
  await startGateway()
})

after(async () => {
  stream?.abort()
  await gw?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

test(
  'orbit container create: the first Wine container makes the base runtime in a job, the next is instant',
  limit,
  async (t) => {
    const started = Date.now()
    const first = await runCli(['container', 'create', 'acme1', '--env', 'ACME_E2E=1'], cliEnv)
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /^created container acme1 \(acme1-[0-9a-f]{6}, wine on wine-/)
    assert.match(first.stderr, /making the Wine base runtime/)
    t.diagnostic(`first container (with the runtime): ${Date.now() - started} ms`)

    const again = Date.now()
    const second = await runCli(['container', 'create', 'acme2'], cliEnv)
    assert.equal(second.code, 0, second.stderr)
    assert.ok(Date.now() - again < 15_000, 'no second runtime')
    assert.doesNotMatch(second.stderr, /base runtime/)

    // Refused by the gateway's validation: the problem's field messages are shown.
    const bad = await runCli(['container', 'create', 'a/b'], cliEnv)
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /^orbit: invalid request: name \(name: no "\/"\) \[EVALIDATION\]\n$/)
    // Refused by the CLI itself: usage errors exit 2.
    const net = await runCli(['container', 'create', 'acme9', '--network', 'lan'], cliEnv)
    assert.deepEqual([net.code, net.stderr], [2, 'orbit: --network is none or host\n'])
    const env = await runCli(['container', 'create', 'acme9', '--env', 'NOEQUALS'], cliEnv)
    assert.deepEqual([env.code, env.stderr], [2, 'orbit: --env takes KEY=VALUE, got "NOEQUALS"\n'])

    const dup = await runCli(['container', 'create', 'acme2'], cliEnv)
    assert.equal(dup.code, 1)
    assert.match(dup.stderr, /^orbit: a container named "acme2" exists already \[ECONFLICT\]\n$/)

    const ls = await runCli(['container', 'ls', '--json'], cliEnv)
    const list = JSON.parse(ls.stdout) as Container[]
    assert.deepEqual(
      list.map((c) => [c.name, c.state, c.runtime.kind]),
      [
        ['acme1', 'created', 'wine'],
        ['acme2', 'created', 'wine'],
      ],
    )
    assert.equal(list[0]?.runtime.id, list[1]?.runtime.id)
    const human = await runCli(['container', 'ls'], cliEnv)
    assert.match(human.stdout, /^NAME +ID +STATE +RUNTIME/)
    assert.match(human.stdout, /\nacme1 +acme1-[0-9a-f]{6} +created +wine/)
    const runtimeJobs = events.filter(
      (e) => e.type === 'job.succeeded' && (e.data as Job).kind === 'container.create',
    )
    assert.equal(
      runtimeJobs.length,
      1,
      JSON.stringify(events.map((e) => [e.id, e.type, (e.data as Partial<Job> | null)?.kind])),
    )
  },
)

test('orbit install (v1) and the client (v2) capture the installers; apps are found', limit, async () => {
  const cli = await runCli(['install', 'acme1', fixturePath('acme-setup-v1'), '--', '/S'], cliEnv)
  assert.equal(cli.code, 0, cli.stderr)
  assert.match(cli.stdout, /^installed acme-setup-v1\.exe into acme1 in [\d.]+ s \(installer exit code 0\)/)
  assert.match(cli.stdout, /files: +3 added, 0 changed, 0 removed/)
  assert.match(cli.stdout, /registry: .*values added/)
  assert.match(cli.stdout, /app: +Acme +\(C:\\Program Files\\Acme\\acme\.exe\)/)
  // Not a terminal: the bar gives way to one line per phase and the installer's own lines.
  assert.match(cli.stderr, /uploaded acme-setup-v1\.exe \(107 KiB, blake3 [0-9a-f]{16}…\)/)
  assert.match(cli.stderr, / \| setup: acme 1\.0\.0\n/)
  assert.match(cli.stderr, /^install: /m)

  const accepted = await uploadInstaller('acme2', fixturePath('acme-setup-v2'), ['/S'])
  assert.equal(accepted.installer.size, readFileSync(fixturePath('acme-setup-v2')).length)
  assert.match(accepted.installer.blake3, /^[0-9a-f]{64}$/)
  assert.equal((await container('acme2')).state, 'installing')
  const done = await finished(accepted.job.id)
  assert.equal(done.state, 'succeeded', JSON.stringify(done.error))
  const result = done.result as InstallResult
  assert.deepEqual(result.installer.args, ['/S'])
  assert.deepEqual(
    result.apps.map((a) => [a.name, a.target]),
    [['Acme', ACME]],
  )
  for (const name of ['acme1', 'acme2']) {
    const c = await container(name)
    assert.equal(c.state, 'ready')
    assert.equal(c.installed, true)
  }
  assert.deepEqual(result.snapshots, { before: '000-base', after: '001-post-install' })
  const snaps = unwrap(
    await client.GET('/api/containers/{id}/snapshots', { params: { path: { id: 'acme1' } } }),
  )
  assert.deepEqual(
    snaps.items.map((x) => x.id),
    ['000-base', '001-post-install'],
  )
  const manifest = unwrap(
    await client.GET('/api/containers/{id}/manifest', { params: { path: { id: 'acme2' } } }),
  )
  assert.ok(manifest.files.some((f) => f.path === ACME))
  // The uploads were removed once captured.
  assert.deepEqual(readdirSync(join(dataDir, 'uploads')), [])

  const apps = await runCli(['apps', 'acme1'], cliEnv)
  assert.equal(apps.code, 0)
  assert.match(apps.stdout, /^APP +PROGRAM/)
  assert.match(apps.stdout, /\nAcme +C:\\Program Files\\Acme\\acme\.exe/)
})

test(
  'orbit run: both versions side by side, each printing its own; exit codes propagate',
  limit,
  async () => {
    const [one, two] = await Promise.all([
      runCli(['run', 'acme1', 'Acme'], cliEnv),
      runCli(['run', 'acme2', '--', ACME], cliEnv),
    ])
    for (const [r, v] of [
      [one, '1'],
      [two, '2'],
    ] as const) {
      assert.equal(r.code, 0, r.stderr)
      for (const line of [
        `acme version (registry): ${v}.0.0`,
        `acme version (config): ${v}.0.0`,
        `acme built: ${v}.0.0`,
      ]) {
        assert.ok(lines(r.stdout).includes(line), `v${v} lacks ${line}:\n${r.stdout}`)
      }
    }
    const seven = await runCli(['run', 'acme1', 'Acme', '--exit', '7'], cliEnv)
    assert.equal(seven.code, 7, seven.stderr)
    assert.equal(seven.stdout, 'acme exit 7\n')
    const env = await runCli(
      ['run', 'acme1', '--env', 'ACME_E2E=2', 'C:\\windows\\system32\\cmd.exe', '/c', 'echo', '%ACME_E2E%'],
      cliEnv,
    )
    assert.equal(env.code, 0, env.stderr)
    assert.match(env.stdout, /^2\r?\n$/)
    const nope = await runCli(['run', 'acme1', 'NoSuchApp'], cliEnv)
    assert.equal(nope.code, 1)
    assert.match(nope.stderr, /^orbit: no app named "NoSuchApp" \(its apps: Acme\) \[EVALIDATION\]\n$/)
  },
)

test(
  'the SSE stream carried every step: states, job progress, installer lines, run output',
  limit,
  async () => {
    const ids = events.map((e) => e.id)
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'ids increase',
    )
    const acme1 = (await container('acme1')).id
    const states = events
      .filter((e) => e.type === 'container.state' && e.subject === acme1)
      .map((e) => (e.data as { state: string }).state)
    assert.deepEqual(states.slice(0, 3), ['installing', 'ready', 'running'])
    assert.ok(
      events.some((e) => e.type === 'container.created' && e.subject === acme1),
      'container.created',
    )
    const installJob = events.find(
      (e) =>
        e.type === 'job.created' &&
        (e.data as Job).containerId === acme1 &&
        (e.data as Job).kind === 'container.install',
    )?.subject
    assert.ok(installJob, 'the install job was created')
    assert.ok(
      events.some((e) => e.type === 'job.progress' && e.subject === installJob),
      'job.progress of the install',
    )
    const setupLines = events
      .filter((e) => e.type === 'install.progress' && (e.data as { jobId: string }).jobId === installJob)
      .map((e) => (e.data as { line?: string }).line)
    assert.ok(setupLines.includes('setup: done'), setupLines.join('\n'))
    const runs = events.filter((e) => e.type === 'run.started' && (e.data as Run).containerId === acme1)
    assert.ok(runs.length >= 3, `${runs.length} runs of acme1`)
    const first = runs[0]?.subject as string
    const kinds = events.filter((e) => e.subject === first).map((e) => e.type)
    assert.equal(kinds[0], 'run.started')
    assert.equal(kinds.at(-1), 'run.ended')
    const out = events
      .filter((e) => e.type === 'run.output' && e.subject === first)
      .map((e) => (e.data as { text: string }).text)
      .join('')
    assert.match(out, /acme version \(registry\): 1\.0\.0/)
  },
)

test('logs: the latest run through the CLI, any run through the client', limit, async () => {
  const latest = await runCli(['logs', 'acme1'], cliEnv)
  assert.equal(latest.code, 0, latest.stderr)
  assert.match(latest.stdout, /^2\r?\n$/)
  const runs = unwrap(
    await client.GET('/api/containers/{id}/runs', { params: { path: { id: 'acme1' }, query: {} } }),
  )
  const firstRun = runs.items.at(-1) as Run
  assert.equal(firstRun.exitCode, 0)
  const { data } = await client.GET('/api/runs/{id}/log', {
    params: { path: { id: firstRun.id } },
    parseAs: 'text',
  })
  assert.ok(lines(data as string).includes('acme built: 1.0.0'), data)
  const byPrefix = await runCli(['logs', 'acme1', firstRun.id.slice(0, 8)], cliEnv)
  assert.equal(byPrefix.stdout, data)
  // -f follows a live run to its end: what was logged before, then what comes.
  const live = unwrap(
    await client.POST('/api/containers/{id}/runs', {
      params: { path: { id: 'acme1' } },
      body: { program: 'Acme', args: ['--sleep', '2'] },
    }),
  )
  const followed = await runCli(['logs', 'acme1', live.id, '-f'], cliEnv)
  assert.equal(followed.code, 0, followed.stderr)
  assert.equal(followed.stdout, 'acme sleeping 2\nacme tick 1\nacme tick 2\nacme slept 2\n')
})

test('stop: a 30 s run ends at once; the container goes back to stopped', limit, async () => {
  const run = unwrap(
    await client.POST('/api/containers/{id}/runs', {
      params: { path: { id: 'acme2' } },
      body: { program: 'Acme', args: ['--sleep', '30'] },
    }),
  )
  await until('the first tick', () =>
    events.some(
      (e) =>
        e.subject === run.id &&
        e.type === 'run.output' &&
        /acme tick 1/.test((e.data as { text: string }).text),
    ),
  )
  assert.equal((await container('acme2')).state, 'running')
  const del = await client.DELETE('/api/containers/{id}', { params: { path: { id: 'acme2' } } })
  assert.equal(del.response.status, 409)
  const t0 = Date.now()
  const stopped = unwrap(
    await client.POST('/api/runs/{id}/stop', { params: { path: { id: run.id }, query: { graceMs: 2000 } } }),
  )
  assert.ok(Date.now() - t0 < 15_000)
  assert.equal(stopped.state, 'stopped')
  assert.ok(stopped.signal !== null || stopped.exitCode !== null)
  const log = await runCli(['logs', 'acme2'], cliEnv)
  assert.match(log.stdout, /^acme sleeping 30\nacme tick 1\n/)
  assert.doesNotMatch(log.stdout, /acme slept 30/)
  await until('acme2 stopped', async () => (await container('acme2')).state === 'stopped')
})

test(
  'an SSE client that keeps dropping and resuming with Last-Event-ID misses nothing and sees nothing twice',
  limit,
  async () => {
    const seen: Event[] = []
    let lastId: string | undefined
    let from: number | undefined
    let run: Run | undefined
    let endedId: number | undefined
    let connections = 0
    let replayed = 0
    while (endedId === undefined) {
      assert.ok(connections < 100, 'the run ended in time')
      connections++
      const abort = new AbortController()
      const res = await fetch(`${gw.url}/api/events`, {
        headers: {
          authorization: `Bearer ${gw.token}`,
          ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
        },
        signal: abort.signal,
      })
      assert.equal(res.status, 200)
      // Each connection lives 150-450 ms: many drops while the run ticks, some mid-replay.
      const timer = setTimeout(() => abort.abort(), 150 + ((connections * 97) % 300))
      let live = false
      try {
        for await (const m of readSse(res.body as ReadableStream<Uint8Array>)) {
          assert.notEqual(m.event, 'reset', 'the resume point is known')
          if (m.id !== undefined) lastId = m.id
          if (m.event === 'ready') {
            live = true
            from ??= Number(m.id)
            // Started once the first connection is ready, so all of it happens while we drop and resume.
            run ??= unwrap(
              await client.POST('/api/containers/{id}/runs', {
                params: { path: { id: 'acme1' } },
                body: { program: 'Acme', args: ['--sleep', '4'] },
              }),
            )
          } else if (m.event !== 'comment') {
            const e = JSON.parse(m.data) as Event
            seen.push(e)
            if (!live) replayed++
            if (e.type === 'run.ended' && e.subject === run?.id) {
              endedId = e.id
              break
            }
          }
        }
      } catch (err) {
        if (!abort.signal.aborted) throw err
      } finally {
        clearTimeout(timer)
        abort.abort()
      }
      if (endedId === undefined) {
        // Stay away until the gateway published something we did not get: every reconnect must
        // then recover it from the log (a client that merely reconnected would lose it).
        const away = Number(lastId)
        await until('an event while away', () => events.some((e) => e.id > away), 20_000)
      }
    }
    assert.ok(connections >= 4, `${connections} connections`)
    assert.ok(replayed >= connections - 1, `${replayed} events replayed over ${connections} connections`)
    assert.ok(from !== undefined && run)
    const runId = run.id
    await until('the steady collector to see the end', () => events.some((e) => e.id === endedId))
    // Progress is coalesced in the log (a replay gives its latest state); everything else is whole.
    const whole = (e: Event) => e.type !== 'job.progress'
    const ids = seen.filter(whole).map((e) => e.id)
    assert.equal(new Set(ids).size, ids.length, 'no event twice')
    assert.deepEqual(
      ids,
      events
        .filter((e) => whole(e) && e.id > (from as number) && e.id <= (endedId as number))
        .map((e) => e.id),
    )
    const out = seen
      .filter((e) => e.type === 'run.output' && e.subject === runId)
      .map((e) => (e.data as { text: string }).text)
      .join('')
    assert.equal(out, 'acme sleeping 4\nacme tick 1\nacme tick 2\nacme tick 3\nacme tick 4\nacme slept 4\n')
    await until('acme1 stopped', async () => (await container('acme1')).state === 'stopped')
  },
)

test(
  'orbit snapshot and container clone: change, snapshot, diff, roll back; a clone runs beside',
  limit,
  async () => {
    const set = await runCli(['run', 'acme1', 'Acme', '--set-config', 'theme=light'], cliEnv)
    assert.equal(set.code, 0, set.stderr)
    const snap = await runCli(['snapshot', 'create', 'acme1', '--label', 'tweaked'], cliEnv)
    assert.equal(snap.code, 0, snap.stderr)
    assert.match(snap.stdout, /^snapshot 002-tweaked of acme1: \d+ files/)
    const diff = await runCli(['snapshot', 'diff', 'acme1', '002-tweaked'], cliEnv)
    assert.equal(diff.code, 0, diff.stderr)
    assert.match(diff.stdout, /^001-post-install -> 002-tweaked\n/)
    assert.match(diff.stdout, /~ drive_c\/users\/orbit\/AppData\/Roaming\/Acme\/config\.ini/)
    const ls = await runCli(['snapshot', 'ls', 'acme1'], cliEnv)
    assert.deepEqual(
      ls.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/ +/)[0]),
      ['000-base', '001-post-install', '002-tweaked'],
    )
    const tweaked = await runCli(['run', 'acme1', 'Acme'], cliEnv)
    assert.ok(lines(tweaked.stdout).includes('acme config: theme=light'), tweaked.stdout)

    const back = await runCli(['snapshot', 'restore', 'acme1', '001-post-install'], cliEnv)
    assert.equal(back.code, 0, back.stderr)
    assert.equal(back.stdout, 'restored acme1 to 001-post-install\n')
    const after = await runCli(['run', 'acme1', 'Acme'], cliEnv)
    assert.equal(after.code, 0, after.stderr)
    assert.ok(!after.stdout.includes('theme=light'), after.stdout)
    assert.ok(lines(after.stdout).includes('acme version (config): 1.0.0'), after.stdout)

    const rmSnap = await runCli(['snapshot', 'rm', 'acme1', '002-tweaked'], cliEnv)
    assert.equal(rmSnap.code, 0, rmSnap.stderr)
    assert.equal(rmSnap.stdout, 'removed snapshot 002-tweaked of acme1\n')
    const left = JSON.parse((await runCli(['snapshot', 'ls', 'acme1', '--json'], cliEnv)).stdout) as {
      id: string
    }[]
    assert.deepEqual(
      left.map((x) => x.id),
      ['000-base', '001-post-install'],
    )

    const clone = await runCli(['container', 'clone', 'acme1', 'acme1-copy'], cliEnv)
    assert.equal(clone.code, 0, clone.stderr)
    assert.match(clone.stdout, /^cloned acme1 into acme1-copy \(acme1-copy-[0-9a-f]{6}\)\n$/)
    const [orig, copy] = await Promise.all([
      runCli(['run', 'acme1', 'Acme', '--set-config', 'owner=original'], cliEnv),
      runCli(['run', 'acme1-copy', 'Acme', '--set-config', 'owner=copy'], cliEnv),
    ])
    assert.equal(orig.code, 0, orig.stderr)
    assert.equal(copy.code, 0, copy.stderr)
    const seen = await Promise.all([
      runCli(['run', 'acme1', 'Acme'], cliEnv),
      runCli(['run', 'acme1-copy', 'Acme'], cliEnv),
    ])
    assert.ok(lines(seen[0].stdout).includes('acme config: owner=original'), seen[0].stdout)
    assert.ok(lines(seen[1].stdout).includes('acme config: owner=copy'), seen[1].stdout)
    assert.ok(lines(seen[1].stdout).includes('acme version (registry): 1.0.0'), seen[1].stdout)
    await until('acme1 stopped', async () => (await container('acme1')).state === 'stopped')
  },
)

test(
  'orbit export (encrypted) and import into a second gateway with its own data dir, trusted explicitly, and run there',
  limit,
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'orbit-e2e-ctnr-'))
    const second = await spawnGateway({ env: { ORBIT_ADMIN_TOKEN: `${adminToken}-second` } })
    try {
      const file = join(dir, 'acme1.ctnr')
      const secret = { ORBIT_PASSPHRASE: 'an e2e passphrase, long enough' }
      const exp = await runCli(['export', 'acme1', '-o', file, '--encrypt'], { ...cliEnv, ...secret })
      assert.equal(exp.code, 0, exp.stderr)
      assert.match(
        exp.stdout,
        /^exported acme1 to .*acme1\.ctnr \([\d.]+ \w+, encrypted\)\n {2}signed by [0-9a-f:]{39}\n$/,
      )
      assert.ok(!readFileSync(file).includes(Buffer.from('Program Files')), 'the archive is encrypted')
      const env2 = { ORBIT_URL: second.url, ORBIT_TOKEN: second.token }
      const refused = await runCli(['import', file], { ...env2, ...secret })
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /EUNTRUSTED.*import again with --trust\n$/)
      // Encrypted, and no passphrase (and no terminal to ask on): the one-line error says what to set.
      const locked = await runCli(['import', file, '--trust', '--name', 'acme-locked'], {
        ...env2,
        ORBIT_PASSPHRASE: '',
      })
      assert.equal(locked.code, 1)
      assert.match(locked.stderr, /\[EBADPASS\]; the archive is encrypted: set ORBIT_PASSPHRASE\n$/)
      const started = Date.now()
      const imp = await runCli(['import', file, '--trust', '--name', 'acme-imported'], { ...env2, ...secret })
      assert.equal(imp.code, 0, imp.stderr)
      assert.match(imp.stdout, /^imported acme1\.ctnr as acme-imported \(acme-imported-[0-9a-f]{6}, ready\)/)
      assert.match(imp.stdout, /\(trusted from now on\)/)
      t.diagnostic(`import with the runtime made anew: ${Date.now() - started} ms`)
      const run = await runCli(['run', 'acme-imported', ACME], env2)
      assert.equal(run.code, 0, run.stderr)
      assert.ok(lines(run.stdout).includes('acme version (registry): 1.0.0'), run.stdout)
      assert.ok(lines(run.stdout).includes('acme config: owner=original'), run.stdout)
    } finally {
      await second.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
)

test(
  'an installer over the upload limit is refused with 413, streamed or declared, leaving nothing',
  limit,
  async () => {
    const big = new Uint8Array(5 * 1024 * 1024)
    const url = `${gw.url}/api/containers/acme1/installs?filename=big.exe`
    const headers = { authorization: `Bearer ${gw.token}`, 'content-type': 'application/octet-stream' }
    const declared = await fetch(url, { method: 'POST', headers, body: big })
    assert.equal(declared.status, 413)
    assert.equal(((await declared.json()) as { code: string }).code, 'EPAYLOAD_TOO_LARGE')
    let sent = 0
    const chunked = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= big.length) c.close()
        else {
          c.enqueue(big.subarray(sent, sent + 65536))
          sent += 65536
        }
      },
    })
    const streamed = await fetch(url, {
      method: 'POST',
      headers,
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    assert.equal(streamed.status, 413)
    assert.deepEqual(readdirSync(join(dataDir, 'uploads')), [])
    assert.equal((await container('acme1')).state, 'stopped')
  },
)

test(
  'a gateway killed mid-install: the job fails EINTERRUPTED, the container is failed, a re-install works',
  limit,
  async (t) => {
    const made = await runCli(['container', 'create', 'acme3'], cliEnv)
    assert.equal(made.code, 0, made.stderr)
    const acme3 = (await container('acme3')).id
    const accepted = await uploadInstaller('acme3', fixturePath('acme-setup-v1'))
    await until('the installer to start', () =>
      events.some(
        (e) =>
          e.type === 'install.progress' &&
          (e.data as { jobId: string }).jobId === accepted.job.id &&
          /running acme-setup-v1\.exe/.test((e.data as { message?: string }).message ?? ''),
      ),
    )
    const exited = new Promise((r) => gw.proc.once('exit', r))
    gw.proc.kill('SIGKILL')
    await exited
    stream?.abort()
    t.diagnostic('gateway killed during the install')
    // Nothing of the install outlives the gateway (the sandbox dies with it).
    await until(
      'the sandbox to end',
      () =>
        !readdirSync('/proc')
          .filter((p) => /^\d+$/.test(p))
          .some((p) => {
            try {
              return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('acme-setup-v1.exe')
            } catch {
              return false
            }
          }),
      10_000,
    )

    const heardBefore = events.length
    await startGateway()
    const failed = await job(accepted.job.id)
    assert.equal(failed.state, 'failed')
    assert.equal(failed.error?.code, 'EINTERRUPTED')
    // The new gateway failed the job as it started, before anyone could listen: the collector,
    // resuming with Last-Event-ID, still has it (and the container's state change).
    await until('the replayed job.failed', () =>
      events
        .slice(heardBefore)
        .some(
          (e) =>
            e.type === 'job.failed' &&
            e.subject === accepted.job.id &&
            (e.data as Job).error?.code === 'EINTERRUPTED',
        ),
    )
    assert.ok(
      events
        .slice(heardBefore)
        .some(
          (e) =>
            e.type === 'container.state' &&
            e.subject === acme3 &&
            (e.data as { state: string }).state === 'failed',
        ),
    )
    const c = await container('acme3')
    assert.equal(c.state, 'failed')
    assert.match(c.stateReason ?? '', /gateway stopped during its install/)
    const run = await runCli(['run', 'acme3', ACME], cliEnv)
    assert.equal(run.code, 1)
    assert.match(run.stderr, /failed .*install again or delete it \[ECONFLICT\]/)
    // The upload the dead install held was cleaned up at start.
    assert.deepEqual(readdirSync(join(dataDir, 'uploads')), [])

    const again = await runCli(['install', 'acme3', fixturePath('acme-setup-v1')], cliEnv)
    assert.equal(again.code, 0, again.stderr)
    // The retry went back to the snapshot taken before the cut install, so its capture is whole.
    assert.match(again.stderr, /^rollback: back to 000-base/m)
    assert.match(again.stdout, /app: +Acme/)
    assert.equal((await container('acme3')).state, 'ready')
    const ok = await runCli(['run', 'acme3', ACME], cliEnv)
    assert.equal(ok.code, 0, ok.stderr)
    assert.ok(lines(ok.stdout).includes('acme version (registry): 1.0.0'), ok.stdout)
  },
)

test(
  'a gateway restarted (SIGTERM) during `orbit install`: the CLI says so, the job ends ESHUTDOWN, the resumed stream has its end',
  limit,
  async () => {
    const made = await runCli(['container', 'create', 'acme4'], cliEnv)
    assert.equal(made.code, 0, made.stderr)
    const id = (await container('acme4')).id
    const installing = runCli(['install', 'acme4', fixturePath('acme-setup-v1')], cliEnv)
    const jobId = await until('the installer to start', () => {
      const e = events.find(
        (x) =>
          x.type === 'install.progress' &&
          /running acme-setup-v1\.exe/.test((x.data as { message?: string }).message ?? '') &&
          events.some(
            (c) =>
              c.type === 'job.created' &&
              c.subject === (x.data as { jobId: string }).jobId &&
              (c.data as Job).containerId === id,
          ),
      )
      return e ? (e.data as { jobId: string }).jobId : undefined
    })
    const heardBefore = events.length
    await gw.stop()
    const cli = await installing
    assert.equal(cli.code, 1)
    assert.ok(
      cli.stderr.endsWith(
        `\norbit: lost the gateway at ${gw.url} while job ${jobId} ran; see 'orbit jobs' once it is back\n`,
      ),
      cli.stderr,
    )
    assert.doesNotMatch(cli.stderr, /fetch failed/)

    await startGateway()
    const ended = await job(jobId)
    assert.equal(ended.state, 'canceled')
    assert.equal(ended.error?.code, 'ESHUTDOWN')
    const c = await container('acme4')
    assert.equal(c.state, 'failed')
    assert.equal(c.stateReason, 'the gateway was stopped during its install')
    // The gateway published the job's end while shutting down, after its streams were closed:
    // only a resume with Last-Event-ID can deliver it.
    await until('the replayed end of the job', () =>
      events.slice(heardBefore).some((e) => e.type === 'job.canceled' && e.subject === jobId),
    )
    const ids = events.map((e) => e.id)
    assert.deepEqual(
      ids,
      [...new Set(ids)].sort((a, b) => a - b),
      'no event twice, in order',
    )
    const rm = await runCli(['container', 'rm', 'acme4'], cliEnv)
    assert.equal(rm.code, 0, rm.stderr)
  },
)

test(
  'on a terminal, orbit install draws its progress bar in place instead of phase lines',
  limit,
  async () => {
    assert.equal((await runCli(['container', 'create', 'acme5'], cliEnv)).code, 0)
    // script(1) gives the CLI a pseudo-terminal; what it printed comes back on script's stdout.
    const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`
    const command = [process.execPath, orbitBin, 'install', 'acme5', fixturePath('acme-setup-v1')]
      .map(quote)
      .join(' ')
    const tty = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const p = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
        env: { ...process.env, ...cliEnv, COLUMNS: '100' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString()
      })
      p.once('error', reject)
      p.once('exit', (code) => resolve({ code, out }))
    })
    assert.equal(tty.code, 0, tty.out)
    assert.ok(
      tty.out.includes('\r\u001b[K['),
      `a bar drawn in place: ${JSON.stringify(tty.out.slice(0, 400))}`,
    )
    assert.match(tty.out, /\[[#.]{20}\] +\d+% +upload +acme-setup-v1\.exe/)
    assert.match(tty.out, /installed acme-setup-v1\.exe into acme5/)
    assert.doesNotMatch(tty.out, /^install: /m, 'no pipe-style phase lines')
    assert.equal((await runCli(['container', 'rm', 'acme5'], cliEnv)).code, 0)
  },
)

test('orbit container show and rm; a removed container is gone with its folder', limit, async () => {
  const show = await runCli(['container', 'show', 'acme2'], cliEnv)
  assert.equal(show.code, 0, show.stderr)
  assert.match(show.stdout, /^acme2 \(acme2-[0-9a-f]{6}\)\n {2}state: +stopped/)
  assert.match(show.stdout, /apps: +Acme \(C:\\Program Files\\Acme\\acme\.exe\)/)
  assert.match(show.stdout, /run [0-9a-f]{8} .* stopped /)
  const id = (await container('acme2')).id
  // `orbit events` prints the stream as it comes.
  const watcher = spawn(process.execPath, [orbitBin, 'events', '--types', 'container.*'], {
    env: { ...process.env, ...cliEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let watched = ''
  watcher.stdout.on('data', (d: Buffer) => {
    watched += d.toString()
  })
  await sleep(1500)
  const rm = await runCli(['container', 'rm', 'acme2'], cliEnv)
  assert.equal(rm.code, 0, rm.stderr)
  assert.equal(rm.stdout, 'removed container acme2\n')
  assert.ok(!existsSync(join(dataDir, 'containers', id)))
  await until('the watcher to print the delete', () => /container\.deleted +acme2-/.test(watched), 10_000)
  assert.match(watched, /container\.state +acme2-[0-9a-f]{6} +acme2: stopped -> busy \(deleting\)/)
  const ended = new Promise((r) => watcher.once('exit', r))
  watcher.kill('SIGINT')
  await ended
  const gone = await runCli(['container', 'show', 'acme2'], cliEnv)
  assert.equal(gone.code, 1)
  assert.match(gone.stderr, /no container with id or name "acme2" \[ENOTFOUND\]/)
  const jobs = await runCli(['jobs'], cliEnv)
  assert.match(jobs.stdout, /container\.install +failed .*EINTERRUPTED/)
})
