/**
 * The cost of one durable flash write in the lab: a 4 KB sector written through an Origin Private
 * File System sync access handle and flushed, as emulator/link/flash-file.ts does when a firmware
 * call that changed a sector returns. Measured in a dedicated worker of the site's origin (a page
 * and worker served by Playwright's router, so no site code and no CSP are in the way), on a
 * file of its own; the lab's flash file is not touched.
 */
import type { Browser } from '@playwright/test';

const WORKER = `
onmessage = async () => {
  const dir = await navigator.storage.getDirectory();
  const fh = await dir.getFileHandle('bench-sector.bin', { create: true });
  const h = await fh.createSyncAccessHandle();
  h.truncate(4 * 1024 * 1024);
  const sector = new Uint8Array(4096).fill(0x5a);
  const one = [], run = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    h.write(sector, { at: ((i * 37) % 1024) * 4096 });
    h.flush();
    one.push(performance.now() - t);
  }
  const eight = new Uint8Array(8 * 4096).fill(0x33);
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    h.write(eight, { at: ((i * 8) % 1016) * 4096 });
    h.flush();
    run.push(performance.now() - t);
  }
  h.close();
  await dir.removeEntry('bench-sector.bin');
  postMessage({ one, run });
};`;

/**
 * Median ms of one 4 KB sector write + flush, and of an 8-sector run in one write + flush.
 * @param origin the site's origin (localhost: a secure context, so OPFS exists)
 */
export async function opfsSectorWrite(browser: Browser, origin: string): Promise<{ sector: number; run8: number }> {
  const context = await browser.newContext();
  try {
    await context.route(`${origin}/__bench-opfs/**`, (route) => {
      const url = route.request().url();
      return url.endsWith('.js')
        ? route.fulfill({ contentType: 'text/javascript', body: WORKER })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>OPFS</title>' });
    });
    const page = await context.newPage();
    await page.goto(`${origin}/__bench-opfs/index.html`);
    const r = await page.evaluate(
      () =>
        new Promise<{ one: number[]; run: number[] }>((resolve, reject) => {
          const w = new Worker('/__bench-opfs/w.js');
          w.onmessage = (e) => resolve(e.data);
          w.onerror = (e) => reject(new Error(e.message));
          w.postMessage(0);
        }),
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    return { sector: median(r.one), run8: median(r.run) };
  } finally {
    await context.close();
  }
}
