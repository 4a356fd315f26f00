import solid from 'vite-plugin-solid'
import { defineConfig } from 'vitest/config'

// SPA unit tests: jsdom, Solid compiled for the browser, msw for the gateway's answers.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [solid()],
  resolve: { conditions: ['development', 'browser'] },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    testTimeout: 30_000,
    environmentOptions: { jsdom: { url: 'http://orbit.test/' } },
  },
})
