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
