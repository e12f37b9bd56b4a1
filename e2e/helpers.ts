import { expect, type Page } from '@playwright/test';

export const FIRST_LESSON = '/en/lessons/first-steps/';
export const BANNER = 'MicroPython v1.27.0 on 2025-12-09; ESP module with ESP8266';

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
