import { parseArgs } from 'node:util'
import { unwrap } from '../../../../sdk-gen/client.ts'
import type { CliContext } from '../context.ts'

const yes = (b: boolean) => (b ? 'yes' : 'no')

/** `orbit info [--json]`: what the gateway and its core report about this machine. */
export async function info(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true })
  const data = unwrap(await ctx.client.GET('/api/system/info'))
  if (values.json) {
    ctx.out(JSON.stringify(data, null, 2))
    return 0
  }
  const { core } = data
  const ns = Object.entries(core.namespaces)
    .map(([k, v]) => `${k}=${yes(v)}`)
    .join(' ')
  ctx.out(`Orbit ${data.version} at ${ctx.url} (installation ${data.installationId})`)
  ctx.out(
    `  core:       ${core.coreVersion} on Linux ${core.kernel} ${core.arch}${core.isRoot ? ' (root)' : ''}`,
  )
  ctx.out(`  wine:       ${core.wine.available ? `${core.wine.version} (${core.wine.path})` : 'not found'}`)
  ctx.out(`  namespaces: ${ns}`)
  ctx.out(`  overlay:    ${yes(core.overlay)}`)
  ctx.out(`  cgroups:    ${core.cgroup.mode} [${core.cgroup.controllers.join(', ')}]`)
  return 0
}
