/**
 * The offline site, page side: registers the service worker built by
 * `src/integrations/pwa.mjs` and offers a new deployment with a banner instead of switching
 * versions under the learner's feet.
 *
 * Registration waits for the `load` event and then for an idle moment, so the precache download
 * (the whole site, ~4 MB) does not compete with the lab's start-up. Nothing is registered in
 * `astro dev`, in browsers without service workers, or on pages that are not a secure context
 * (e.g. the workshop server at http://<LAN address>/): the site then works online as before.
 */
import type { Workbox } from 'workbox-window';

/** The service worker's URL (the build writes it at the site's root; its scope is the site). */
const SW_URL = '/sw.js';
/** Longest wait for an idle moment after `load`, in ms. */
const IDLE_TIMEOUT_MS = 5000;
/** The banner's text. */
export const UPDATE_MESSAGE = 'A new version of ESP8266 Lab is ready.';

/**
 * Whether this page can have a service worker: the browser supports them and the page is a
 * secure context (https, or http://localhost).
 */
export function canUseServiceWorker(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator && globalThis.isSecureContext === true;
}

/** Runs `task` once the page has loaded and the main thread is idle (or after IDLE_TIMEOUT_MS). */
function afterLoadAndIdle(task: () => void): void {
  const idle = () => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => task(), { timeout: IDLE_TIMEOUT_MS });
    else setTimeout(task, 200);
  };
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });
}

function button(label: string, className: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = label;
  return b;
}

/**
 * Fills the banner mount (`#update-banner`, a `role="status"` region in Base.astro) with the
 * update message, a Reload button and a Later button. Reload calls `onReload`; Later empties the
 * banner (it comes back on the next page, as long as the new version is waiting).
 * @returns the Reload button, or null if the page has no mount or already shows the banner
 */
export function showUpdateBanner(onReload: () => void): HTMLButtonElement | null {
  const mount = document.getElementById('update-banner');
  if (!mount || mount.childElementCount > 0) return null;
  const text = document.createElement('span');
  text.className = 'update-text';
  text.textContent = UPDATE_MESSAGE;
  const reload = button('Reload', 'update-reload');
  const later = button('Later', 'update-later');
  reload.addEventListener('click', () => {
    reload.disabled = true;
    reload.textContent = 'Reloading…';
    onReload();
  });
  later.addEventListener('click', () => mount.replaceChildren());
  const actions = document.createElement('span');
  actions.className = 'update-actions';
  actions.append(reload, later);
  mount.replaceChildren(text, actions);
  return reload;
}

/**
 * Offers the waiting worker of `wb`: on Reload it is told to skip waiting, and the page reloads
 * once it controls the page (workbox-window's `controlling`). If another tab activated it first,
 * this page is already controlled by it and Reload just reloads.
 */
function offerUpdate(wb: Workbox): void {
  let asked = false;
  let switched = false;
  let reloading = false;
  const reloadOnce = () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  };
  const shown = showUpdateBanner(() => {
    asked = true;
    if (switched) reloadOnce();
    else wb.messageSkipWaiting();
  });
  if (!shown) return;
  wb.addEventListener('controlling', () => {
    switched = true;
    if (asked) reloadOnce();
  });
}

async function register(): Promise<void> {
  try {
    const { Workbox } = await import('workbox-window');
    const wb = new Workbox(SW_URL, { scope: '/' });
    wb.addEventListener('waiting', () => offerUpdate(wb));
    await wb.register({ immediate: true });
  } catch (e) {
    // e.g. a certificate the browser does not trust, or the script offline before any install
    console.info(`ESP8266 Lab: no offline copy in this browser (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Registers the service worker after `load` and idle, unless this is `astro dev` or the page
 * cannot have one. Call once per page (Base.astro does).
 */
export function startPwa(): void {
  if (import.meta.env.DEV || !canUseServiceWorker()) return;
  afterLoadAndIdle(() => void register());
}
