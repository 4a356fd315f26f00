import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadConfigWithSources } from './config.ts'

function withDataDir(local: string | undefined, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'orbit-config-'))
  try {
    if (local !== undefined) writeFileSync(join(dir, 'config.local.toml'), local)
    fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('defaults come from config/orbit.toml', () => {
  withDataDir(undefined, (dir) => {
    const { config, sources } = loadConfigWithSources({ dataDir: dir }, {})
    assert.equal(config.port, 7780)
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.logLevel, 'info')
    assert.equal(sources.port, 'default')
    assert.equal(sources.dataDir, 'flag')
  })
})

test('config.local.toml overrides defaults, ORBIT_* env overrides the file, flags override env', () => {
  withDataDir('[server]\nport = 8000\nallowed_hosts = ["orbit.lan"]\n[log]\nlevel = "debug"\n', (dir) => {
    const fromFile = loadConfigWithSources({}, { ORBIT_DATA: dir })
    assert.equal(fromFile.config.port, 8000)
    assert.deepEqual(fromFile.config.allowedHosts, ['orbit.lan'])
    assert.equal(fromFile.sources.port, 'local')
    assert.equal(fromFile.files.length, 2)
    const fromEnv = loadConfigWithSources(
      {},
      { ORBIT_DATA: dir, ORBIT_PORT: '9000', ORBIT_ALLOWED_HOSTS: 'a, b' },
    )
    assert.equal(fromEnv.config.port, 9000)
    assert.deepEqual(fromEnv.config.allowedHosts, ['a', 'b'])
    assert.equal(fromEnv.sources.port, 'env')
    const fromFlag = loadConfigWithSources({ port: 0 }, { ORBIT_DATA: dir, ORBIT_PORT: '9000' })
    assert.equal(fromFlag.config.port, 0)
    assert.equal(fromFlag.sources.port, 'flag')
  })
})

test('bad values are refused naming the setting and where it came from', () => {
  withDataDir('[server]\nport = "eighty"\n', (dir) => {
    assert.throws(
      () => loadConfigWithSources({}, { ORBIT_DATA: dir }),
      /config\.local\.toml: server\.port must be a whole number/,
    )
  })
  withDataDir(undefined, (dir) => {
    assert.throws(
      () => loadConfigWithSources({}, { ORBIT_DATA: dir, ORBIT_PORT: '70000' }),
      /ORBIT_PORT: server\.port must be a port/,
    )
    assert.throws(
      () => loadConfigWithSources({}, { ORBIT_DATA: dir, ORBIT_LOG_LEVEL: 'loud' }),
      /log\.level must be one of/,
    )
  })
  withDataDir('[server\nport=1', (dir) => {
    assert.throws(() => loadConfigWithSources({}, { ORBIT_DATA: dir }), /config\.local\.toml/)
  })
})
