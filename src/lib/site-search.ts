/**
 * Site search, page side: Pagefind's default UI (`/pagefind/pagefind-ui.js` and `.css`, written
 * into the build by `src/integrations/pagefind.mjs`; nothing comes from a CDN) in a modal dialog
 * opened from the header, and inline on `/en/search/`.
 *
 * Markup it expects (from `src/layouts/Base.astro` and `src/pages/en/search.astro`):
 * - `a[data-search-link]`: the header's link to `/en/search/`, what readers without JavaScript
 *   get (that page says search needs JavaScript). Replaced by
 * - `button[data-search-open]` (hidden in the HTML): opens the dialog, or on the search page
 *   focuses its field. `/` does the same from anywhere except a text field or editor.
 * - `dialog[data-search-dialog]` with a `[data-search-ui]` container and a
 *   `button[data-search-close]`; `[data-search-page]` is the search page's own container
 *   (`?q=` starts a search). A container's `data-search-label` is the id of the visible heading
 *   that labels its search field.
 *
 * The scripts and the index are loaded on first use only, so pages do not pay for search until
 * it is opened. The UI loads the index of the page's `<html lang>` (Pagefind keeps one index per
 * language), so an English page finds English pages only.
 */

/** Where the build puts Pagefind's files (the integration's `bundleDir`). */
export const PAGEFIND_BASE = '/pagefind/';

/** Shown in place of the search field when the UI or the index cannot be loaded. */
export const SEARCH_UNAVAILABLE =
  'Search is not available here: its index is made by "astro build" (it is missing in "astro dev"), or it could not be loaded.';

/** The part of Pagefind's default UI this module uses (`new PagefindUI(options)`). */
interface PagefindUIInstance {
  /** Puts `term` into the field and searches for it. */
  triggerSearch(term: string): void;
}
type PagefindUIConstructor = new (options: Record<string, unknown>) => PagefindUIInstance;

let loading: Promise<PagefindUIConstructor> | null = null;

/**
 * Loads `pagefind-ui.css` and `pagefind-ui.js` once (a classic script that defines
 * `window.PagefindUI`).
 * @returns the PagefindUI class
 * @throws (the promise rejects) when either file cannot be loaded, e.g. in `astro dev`
 */
export function loadPagefindUI(): Promise<PagefindUIConstructor> {
  loading ??= new Promise<PagefindUIConstructor>((resolve, reject) => {
    const existing = (window as unknown as { PagefindUI?: PagefindUIConstructor }).PagefindUI;
    if (existing) return resolve(existing);
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = `${PAGEFIND_BASE}pagefind-ui.css`;
    const cssLoaded = new Promise<void>((ok, fail) => {
      css.onload = () => ok();
      css.onerror = () => fail(new Error(`${css.href} did not load`));
    });
    document.head.append(css);
    const script = document.createElement('script');
    script.src = `${PAGEFIND_BASE}pagefind-ui.js`;
    script.onerror = () => reject(new Error(`${script.src} did not load`));
    script.onload = () => {
      const ui = (window as unknown as { PagefindUI?: PagefindUIConstructor }).PagefindUI;
      if (!ui) return reject(new Error('pagefind-ui.js did not define PagefindUI'));
      cssLoaded.then(() => resolve(ui), reject);
    };
    document.head.append(script);
  });
  loading.catch(() => { loading = null; }); // a later attempt may succeed (e.g. back online)
  return loading;
}

/** The UI mounted (or being mounted) in each container. */
const mounted = new WeakMap<HTMLElement, Promise<PagefindUIInstance | null>>();

/**
 * Mounts Pagefind's default UI into `container` (once; later calls return the same instance).
 * On failure the container shows SEARCH_UNAVAILABLE instead, and a later call tries again.
 * @param container an empty element; it gets the search field and the results
 * @returns the UI, or null when it could not be loaded
 */
export function mountSearch(container: HTMLElement): Promise<PagefindUIInstance | null> {
  let ui = mounted.get(container);
  if (!ui) {
    ui = createUI(container);
    mounted.set(container, ui);
    void ui.then((made) => { if (!made) mounted.delete(container); });
  }
  return ui;
}

async function createUI(container: HTMLElement): Promise<PagefindUIInstance | null> {
  try {
    const PagefindUI = await loadPagefindUI();
    container.replaceChildren();
    if (!container.id) container.id = `search-${Math.random().toString(36).slice(2)}`;
    const ui = new PagefindUI({
      element: `#${container.id}`,
      bundlePath: PAGEFIND_BASE,
      showSubResults: true, // the sections (headings with ids) that match, each linked
      showImages: false,
      resetStyles: true,
      pageSize: 6,
      excerptLength: 24,
      autofocus: false, // focus is moved by focusField(), once the field exists
    });
    // Pagefind's field has only a placeholder and a title; its visible label is our heading
    const input = await findField(container);
    if (input && container.dataset.searchLabel) input.setAttribute('aria-labelledby', container.dataset.searchLabel);
    container.dataset.searchReady = '';
    return ui;
  } catch {
    const note = document.createElement('p');
    note.className = 'search-unavailable';
    note.textContent = SEARCH_UNAVAILABLE;
    container.replaceChildren(note);
    return null;
  }
}

/** The search field inside `container` once Pagefind has drawn it (null if it never does, within 1 s). */
async function findField(container: HTMLElement): Promise<HTMLInputElement | null> {
  for (let i = 0; i < 50; i++) {
    const input = container.querySelector<HTMLInputElement>('input.pagefind-ui__search-input');
    if (input) return input;
    if (container.querySelector('.search-unavailable')) return null;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

/** Moves focus to the search field inside `container` once Pagefind has drawn it. */
async function focusField(container: HTMLElement): Promise<void> {
  const input = await findField(container);
  input?.focus();
  input?.select();
}

/** True when a key press belongs to a text field, an editor or the terminal. */
function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.closest('.xterm') !== null;
}

/**
 * Wires the header's search control, the dialog and, on `/en/search/`, the page's own field.
 * Safe to call on any page; does nothing where the markup is absent.
 */
export function startSiteSearch(): void {
  const link = document.querySelector<HTMLAnchorElement>('a[data-search-link]');
  const open = document.querySelector<HTMLButtonElement>('button[data-search-open]');
  const dialog = document.querySelector<HTMLDialogElement>('dialog[data-search-dialog]');
  const dialogUI = dialog?.querySelector<HTMLElement>('[data-search-ui]');
  const page = document.querySelector<HTMLElement>('[data-search-page]');
  if (!open || !dialog || !dialogUI || typeof dialog.showModal !== 'function') return;

  // with JavaScript the control is a button that opens the dialog; the link stays for no-JS
  open.hidden = false;
  if (link) link.hidden = true;

  const openSearch = async () => {
    if (page) {
      await mountSearch(page);
      await focusField(page);
      return;
    }
    if (!dialog.open) dialog.showModal();
    await mountSearch(dialogUI);
    await focusField(dialogUI);
  };
  open.addEventListener('click', () => void openSearch());
  dialog.querySelector('[data-search-close]')?.addEventListener('click', () => dialog.close());
  // a click on the backdrop (outside the dialog's box) closes it
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  // following a result (maybe a section of this very page) closes the dialog
  dialogUI.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('a[href]')) dialog.close();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || typingInto(event.target)) return;
    if (dialog.open) return;
    event.preventDefault();
    void openSearch();
  });

  if (page) {
    void mountSearch(page).then((ui) => {
      const q = new URLSearchParams(location.search).get('q');
      if (ui && q) ui.triggerSearch(q);
      void focusField(page);
    });
  }
}
