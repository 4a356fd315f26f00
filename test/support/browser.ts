import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

/** Screenshots and traces from browser tests land here (git-ignored). */
export const artifactsDir = fileURLToPath(new URL('../../test-results', import.meta.url))

/** Debian's Chromium, headless, with no background traffic (this network is closed). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
