/**
 * Source of the site's service worker. `pwa.mjs` bundles it (Workbox's modules included, nothing
 * from a CDN) and workbox-build writes the list of every built file into `self.__WB_MANIFEST`.
 *
 * - Every page, script, style, the emulator's worker and wasm, the firmware files, the manifest,
 *   icons and the search index (`/pagefind/`, written before this runs) are precached at install;
 *   afterwards they are answered from the cache, so lessons and search work offline. The cached
 *   responses are the server's own, headers included (COOP/COEP keep the page cross-origin
 *   isolated offline).
 * - A new deployment's worker waits: the page offers "Reload" and then sends SKIP_WAITING
 *   (workbox-window's messageSkipWaiting), so one page never mixes two versions' files.
 * - The first install takes control of the open page at once (clientsClaim), so that page's
 *   later requests (xterm, the Flash panel's firmware) also work if the network goes away.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, precacheAndRoute } from 'workbox-precaching';

/**
 * `/en/lessons/x` is served as `/en/lessons/x/index.html` by `astro preview` and the usual
 * static hosts; the precache answers it the same way. URLs with a file extension are left alone.
 * @param {{ url: URL }} options
 * @returns {URL[]}
 */
function directoryWithoutSlash({ url }) {
  if (url.pathname.endsWith('/') || /\.[^/]*$/.test(url.pathname)) return [];
  return [new URL(`${url.pathname}/index.html`, url.origin)];
}

precacheAndRoute(self.__WB_MANIFEST, {
  // Workbox's defaults, plus `ts`: pagefind.js asks for `/pagefind/pagefind-entry.json?ts=<now>`
  // (a cache-buster), which must still be answered from the precache for search to work offline
  ignoreURLParametersMatching: [/^utm_/, /^fbclid$/, /^ts$/],
  directoryIndex: 'index.html',
  cleanURLs: false,
  urlManipulation: directoryWithoutSlash,
});
cleanupOutdatedCaches();
clientsClaim();

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});
