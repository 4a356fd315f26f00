import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openDb } from '../db/open.ts'
import { AuditLog } from './log.ts'

function withLog(fn: (log: AuditLog, db: ReturnType<typeof openDb>) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'orbit-audit-'))
  const db = openDb(join(dir, 'orbit.db'))
  try {
    fn(new AuditLog(db), db)
  } finally {
    db.$client.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const admin = { subject: 'admin-token', ip: '127.0.0.1' }

test('entries chain and verify; filters and paging work newest first', () => {
  withLog((log) => {
    for (let i = 0; i < 5; i++)
      log.record(admin, { action: 'container.create', target: `c${i % 2}`, result: 'ok' })
    log.record({ subject: 'bob' }, { action: 'container.delete', target: 'c1', result: 'ERUNNING' })
    assert.deepEqual(log.verify(), { ok: true, entries: 6 })
    const page = log.list({ target: 'c1' }, 2)
    assert.deepEqual(
      page.items.map((e) => [e.action, e.result]),
      [
        ['container.delete', 'ERUNNING'],
        ['container.create', 'ok'],
      ],
    )
    assert.ok(page.nextCursor)
    const rest = log.list({ target: 'c1' }, 10, Number(page.nextCursor))
    assert.equal(rest.items.length, 1)
    assert.equal(rest.nextCursor, null)
    assert.equal(log.list({ actor: 'bob' }, 10).items.length, 1)
    assert.equal(log.list({ result: 'ok', action: 'container.create' }, 10).items.length, 5)
  })
})

test('the table refuses UPDATE and DELETE', () => {
  withLog((log, db) => {
    log.record(admin, { action: 'x', result: 'ok' })
    assert.throws(() => db.$client.prepare("UPDATE audit_log SET actor = 'eve'").run(), /append-only/)
    assert.throws(() => db.$client.prepare('DELETE FROM audit_log').run(), /append-only/)
  })
})

test('a row modified behind the triggers is detected, and so is a removed row', () => {
  withLog((log, db) => {
    for (let i = 0; i < 4; i++)
      log.record(admin, { action: 'container.create', target: `c${i}`, result: 'ok' })
    db.$client.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete')
    db.$client.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3").run()
    assert.deepEqual(log.verify(), { ok: false, entries: 3, brokenAt: 3, reason: 'the entry was modified' })
    db.$client.prepare("UPDATE audit_log SET actor = 'admin-token' WHERE id = 3").run()
    assert.equal(log.verify().ok, true)
    db.$client.prepare('DELETE FROM audit_log WHERE id = 2').run()
    assert.deepEqual(log.verify(), {
      ok: false,
      entries: 2,
      brokenAt: 3,
      reason: 'the link to the previous entry is broken',
    })
  })
})
