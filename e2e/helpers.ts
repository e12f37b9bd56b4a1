import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { bannerLine, GENERIC_4M } from '../emulator/firmware/builds.ts';

export const FIRST_LESSON = '/en/lessons/first-steps/';
/** The default build's banner line (the current release; emulator/firmware/builds.ts). */
export const BANNER = bannerLine(GENERIC_4M);

/** The text xterm shows (visible rows), with trailing spaces trimmed. */
export async function terminalText(page: Page): Promise<string> {
  return page.locator('.xterm-rows').evaluate((rows) =>
    Array.from(rows.children)
      .map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').replace(/\s+$/, ''))
      .join('\n')
      .replace(/\n+$/, ''),
  );
}

/** Waits until the terminal's visible text satisfies `test`. */
export async function waitForTerminal(page: Page, test: (text: string) => boolean, what: string, timeout = 10_000): Promise<string> {
  let last = '';
  await expect
    .poll(async () => {
      last = await terminalText(page);
      return test(last);
    }, { message: `terminal: ${what}`, timeout })
    .toBe(true);
  return last;
}

/** The last line of the terminal. */
export function lastLine(text: string): string {
  return text.split('\n').at(-1) ?? '';
}

/** Opens the first lesson and waits for the board's prompt. */
export async function openLessonAndBoot(page: Page, path = FIRST_LESSON): Promise<void> {
  await page.goto(path);
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner and prompt');
}

/** The window sizes every screenshot is checked at: two laptops and a phone (CSS px). */
export const WINDOW_SIZES = [[1280, 800], [1366, 768], [390, 844]] as const;

/**
 * Opens the first lesson at a window size and waits for the start of the default release's
 * banner (`MicroPython v1.28.0 on`) and the prompt (a cold worker under load may take long: 30 s). Returns the page's uncaught errors,
 * collected from now on.
 */
export async function bootAtSize(page: Page, width: number, height: number): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewportSize({ width, height });
  await page.goto(FIRST_LESSON);
  await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
  // the banner's start only: a phone's terminal wraps the rest of the line
  const start = BANNER.slice(0, BANNER.indexOf(' on ') + 3);
  await waitForTerminal(page, (t) => t.includes(start) && lastLine(t) === '>>>', `"${start}" and the prompt`, 30_000);
  return errors;
}

/**
 * Screenshots the lab's terminal into `path` and, with `axe`, checks it has no serious or
 * critical axe violations.
 */
export async function checkTerminalView(page: Page, path: string, axe: boolean): Promise<void> {
  await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
  await page.screenshot({ path });
  if (!axe) return;
  const results = await new AxeBuilder({ page }).include('.terminal-wrap').analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
}

/** Clicks into the terminal and types a line at the REPL (Enter included). */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/**
 * Starts a workshop server (`workshop/serve.mjs` or `serve.py`, or their copies in an unzipped
 * bundle) and resolves once it printed the URL to open. Kill the child when done.
 * @param cmd the interpreter (process.execPath, or python3)
 * @param args the script and its options, `--port` included
 * @param port the port it must announce
 * @param cwd where to run it
 */
export function startWorkshopServer(cmd: string, args: string[], port: number, cwd: string): Promise<import('node:child_process').ChildProcess> {
  return import('node:child_process').then(({ spawn }) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL from ${args[0]}: ${out}`)), 15_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (new RegExp(`Open https?://localhost:${port}/`).test(out)) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (out += d));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args[0]} exited ${code}: ${out}`));
      });
    });
  });
}
