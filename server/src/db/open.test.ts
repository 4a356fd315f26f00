import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { migrationsFolder, openDb } from './open.ts'
import { installationId } from './settings.ts'

test('the database opens in WAL mode with every migration applied, and keeps the installation id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orbit-db-'))
  try {
    const file = join(dir, 'orbit.db')
    const db = openDb(file)
    assert.equal(db.$client.pragma('journal_mode', { simple: true }), 'wal')
    const applied = db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as {
      n: number
    }
    const files = readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql'))
    assert.equal(applied.n, files.length)
    const id = installationId(db)
    db.$client.close()
    const again = openDb(file) // reopening applies nothing twice and keeps data
    assert.equal(installationId(again), id)
    assert.equal(again.$client.pragma('integrity_check', { simple: true }) as string, 'ok')
    again.$client.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
