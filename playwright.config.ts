import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests run in Debian's Chromium (Playwright cannot download its own browsers here).
 * Override the path with CHROMIUM_PATH. Without a browser the run fails, never skips.
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `No Chromium at ${chromium}. Install Debian's: "apt-get update && apt-get install -y chromium", ` +
      'or point CHROMIUM_PATH at a Chromium binary.',
  );
}

/**
 * The preview server's port and the built site it serves. Defaults: 4322 and dist/. Parallel
 * work on one machine gives each run its own (E2E_PORT=4352 E2E_DIST=.dev/dist-x), so two
 * builds never share an output folder.
 */
const PORT = Number(process.env.E2E_PORT ?? 4322);
const DIST = process.env.E2E_DIST ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  // One retry in CI only: two browsers share two cores with the emulator threads there, and a
  // timing-sensitive step (esptool's SYNC timeouts) has failed once that way. A test that fails
  // twice fails the run; the list reporter marks a retried pass as flaky.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    // The site's service worker would download its 3.6 MB precache in every test's new context;
    // only e2e/pwa.spec.ts, which is about it, allows it.
    serviceWorkers: 'block',
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `node node_modules/astro/bin/astro.mjs preview --port ${PORT} --outDir ${DIST} --ignore-lock`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    env: { ASTRO_TELEMETRY_DISABLED: '1' },
  },
});
