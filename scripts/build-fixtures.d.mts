// Types for scripts/build-fixtures.mjs, so TypeScript tests can import it under `strict`.

/** Absolute path of test/fixtures/build/. */
export const fixturesBuildDir: string

/** Every fixture name `fixturePath` accepts. */
export const fixtureNames: readonly string[]

/** Where a fixture's executable lands: test/fixtures/build/<name>.exe. */
export function fixturePath(
  name:
    | 'hello'
    | 'escape-probe'
    | 'window-probe'
    | 'acme-v1'
    | 'acme-v2'
    | 'acme-v3'
    | 'acme-setup-v1'
    | 'acme-setup-v2'
    | 'probe-setup',
): string

/** Where the Acme .msi (3.0.0, built with wixl) lands: test/fixtures/build/acme-v3.msi. */
export const acmeMsiPath: string

/** Builds every stale fixture and returns { name: path }. Throws with the compiler's message. */
export function buildFixtures(options?: { log?: (line: string) => void }): Record<string, string>
