// @ts-check
/**
 * Astro integration: the installable, offline site. After `astro build` it bundles our service
 * worker (`sw.js` beside this file) with esbuild and lets workbox-build's injectManifest write
 * the precache list of every file in the output directory into it, as `<outDir>/sw.js`.
 *
 * In `astro dev` there is no precache: `/sw.js` is answered with a worker that unregisters
 * itself, so a browser that once ran the built site on the same port (npm run preview and
 * npm start share 4321) gets the dev server's pages again instead of stale precached ones.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { injectManifest } from 'workbox-build';

/** Larger than any built file (the biggest, a firmware image, is ~640 KB; the wasm ~430 KB). */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** The dev server's `/sw.js`: removes a service worker left by the built site, and its caches. */
const DEV_SW = `// astro dev: no service worker. This one removes a precache left by the built site.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil((async () => {
  await self.registration.unregister();
  for (const name of await caches.keys()) if (name.startsWith('workbox-precache')) await caches.delete(name);
  for (const client of await self.clients.matchAll({ type: 'window' })) client.navigate(client.url);
})()));
`;

/**
 * @param {{ swFile?: string }} [options] `swFile`: the worker's path in the output directory
 * @returns {import('astro').AstroIntegration}
 */
export default function pwa(options = {}) {
  const swFile = options.swFile ?? 'sw.js';
  return {
    name: 'esp8266-lab:pwa',
    hooks: {
      'astro:server:setup': ({ server }) => {
        server.middlewares.use((req, res, next) => {
          if (req.url?.split('?')[0] !== `/${swFile}`) return next();
          res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
          res.setHeader('Cache-Control', 'no-store');
          res.end(DEV_SW);
        });
      },
      'astro:build:done': async ({ dir, logger }) => {
        const outDir = fileURLToPath(dir);
        const tmp = await mkdtemp(join(tmpdir(), 'esp8266-lab-sw-'));
        try {
          const swSrc = join(tmp, 'sw.js');
          await build({
            entryPoints: [fileURLToPath(new URL('./sw.js', import.meta.url))],
            outfile: swSrc,
            bundle: true,
            format: 'iife',
            minify: true,
            target: 'es2020',
            // Workbox's modules log and assert only when NODE_ENV is not 'production'
            define: { 'process.env.NODE_ENV': '"production"' },
            legalComments: 'none',
            logLevel: 'warning',
          });
          const { count, size, warnings } = await injectManifest({
            swSrc,
            swDest: join(outDir, swFile),
            globDirectory: outDir,
            globPatterns: ['**/*'],
            globIgnores: [swFile, '**/*.map'],
            maximumFileSizeToCacheInBytes: MAX_FILE_BYTES,
            // names with a content hash need no revision (and may come from the HTTP cache)
            dontCacheBustURLsMatching: /^_astro\//,
          });
          // a file left out (too large, unreadable) would be missing offline: fail the build
          if (warnings.length > 0) throw new Error(`service worker precache: ${warnings.join('; ')}`);
          logger.info(`${swFile}: ${count} files precached, ${(size / 1024 / 1024).toFixed(2)} MiB`);
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      },
    },
  };
}
