/**
 * The lab's layout and keyboard (issue 11): after Run the output and the prompt are in view on
 * common laptop windows without scrolling the page; on phones a Run docks the terminal at the
 * bottom of the screen, and the dock minimises (button, Escape) and closes; Escape then Tab
 * leaves the terminal while a plain Tab still completes at the REPL.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { FIRST_LESSON, lastLine, openLessonAndBoot, terminalText, waitForTerminal } from './helpers';

/** First lesson's "Reading a pin" block: ten readings in five seconds, then the prompt. */
const READINGS = 'print(button.value())';

/** Waits for the board's first prompt (works while the terminal is off screen, where xterm does not paint). */
async function boot(page: Page, path = FIRST_LESSON): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => performance.getEntriesByName('lab:prompt').length > 0, null, { timeout: 30_000 });
}

function runButton(page: Page, text: string): Locator {
  return page.locator('.runnable', { hasText: text }).first().getByRole('button', { name: /Run/ });
}

/** The xterm row holding the cursor (the prompt after a program ends). */
async function cursorRow(page: Page) {
  return page.locator('.xterm-rows').evaluate((rows) => {
    const cursor = rows.querySelector('.xterm-cursor');
    const row = cursor?.closest('.xterm-rows > div') ?? null;
    const r = row?.getBoundingClientRect();
    return r ? { top: r.top, bottom: r.bottom, text: (row!.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd() } : null;
  });
}

async function inViewport(page: Page, box: { top: number; bottom: number } | null, what: string) {
  const height = page.viewportSize()!.height;
  expect(box, what).not.toBeNull();
  expect(box!.top, `${what}: top`).toBeGreaterThanOrEqual(0);
  expect(box!.bottom, `${what}: bottom (window ${height} px high)`).toBeLessThanOrEqual(height);
}

async function rect(l: Locator) {
  return l.evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
  });
}

for (const size of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }]) {
  test(`after Run at ${size.width}×${size.height} the output, the prompt and the LED are in view without scrolling`, async ({ page }) => {
    await page.setViewportSize(size);
    await openLessonAndBoot(page);
    const run = runButton(page, READINGS);
    await run.scrollIntoViewIfNeeded();
    const before = await page.evaluate(() => scrollY);
    await run.click();
    await waitForTerminal(page, (t) => /(1\n){10}>>>$/.test(t), 'ten readings and the prompt', 15_000);
    const row = await cursorRow(page);
    expect(row?.text).toBe('>>>');
    await inViewport(page, row, 'the prompt row');
    // the last reading above it too, and the whole terminal
    await inViewport(page, row && { top: row.top - (row.bottom - row.top), bottom: row.bottom }, 'the last output row');
    await inViewport(page, await rect(page.getByTestId('terminal')), 'the terminal');
    // the LED stays in view beside the output, and so does the code just run
    await inViewport(page, await rect(page.locator('[data-led="13"]')), 'the LED');
    await inViewport(page, await rect(run), 'the Run button');
    expect(Math.abs((await page.evaluate(() => scrollY)) - before), 'the page did not jump').toBeLessThan(120);
    await expect(page.locator('.xterm-helper-textarea')).toBeFocused();
    await page.screenshot({ path: `screenshots/lab-run-${size.width}x${size.height}.png` });
  });
}

test('Run brings the terminal back into view when the lab panel was scrolled to its panels', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openLessonAndBoot(page);
  // two panels open, the lab panel scrolled to its end: the terminal is out of sight
  await page.locator('.circuit-panel summary').click();
  await page.locator('.flash-panel summary').click();
  await page.locator('.lab').evaluate((lab) => (lab.scrollTop = lab.scrollHeight));
  expect((await rect(page.getByTestId('terminal'))).bottom).toBeLessThan(100);
  const run = runButton(page, READINGS);
  await run.scrollIntoViewIfNeeded();
  await run.click();
  await waitForTerminal(page, (t) => /(1\n){10}>>>$/.test(t), 'ten readings and the prompt', 15_000);
  await inViewport(page, await cursorRow(page), 'the prompt row');
  await inViewport(page, await rect(run), 'the Run button');
});

test.describe('phone: the docked terminal', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('Run docks the terminal with the output and the prompt, beside the code; Escape and the buttons minimise, open and close it', async ({ page }) => {
    await boot(page);
    const lab = page.getByTestId('lab');
    await expect(lab).toHaveAttribute('data-dock', 'off');
    await expect(page.getByTestId('dock-bar')).toHaveCount(0);
    const run = runButton(page, READINGS);
    await run.scrollIntoViewIfNeeded();
    await run.click();
    await expect(lab).toHaveAttribute('data-dock', 'open');
    const toggle = page.getByTestId('dock-toggle');
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(toggle).toHaveAccessibleName('Minimise');
    await waitForTerminal(page, (t) => /(1\n){10}>>>$/.test(t), 'ten readings and the prompt', 15_000);
    const deck = await rect(page.locator('.lab-deck'));
    expect(deck.bottom).toBeCloseTo(844, 0);
    expect(deck.top).toBeGreaterThan(844 * 0.4);
    await inViewport(page, await cursorRow(page), 'the prompt row');
    // the code block just run sits above the dock
    const block = await rect(page.locator('.runnable', { hasText: READINGS }).first());
    expect(block.bottom).toBeLessThanOrEqual(deck.top);
    expect(block.top).toBeGreaterThanOrEqual(0);
    expect((await rect(run)).bottom).toBeLessThanOrEqual(deck.top);
    await expect(page.locator('.xterm-helper-textarea')).toBeFocused();
    // the rest of the lab says where the terminal went
    await expect(page.locator('.lab-docked-note')).toContainText('docked at the bottom');
    await page.screenshot({ path: 'screenshots/lab-dock-390x844.png' });

    // the board picture, on request, inside the dock
    const boardButton = page.getByTestId('dock-bar').getByRole('button', { name: 'Board' });
    await expect(boardButton).toHaveAttribute('aria-expanded', 'false');
    await expect(page.locator('#lab-board')).toBeHidden();
    await boardButton.click();
    await expect(boardButton).toHaveAttribute('aria-expanded', 'true');
    await expect(page.locator('#lab-board')).toBeVisible();
    await inViewport(page, await rect(page.locator('[data-led="13"]')), 'the LED in the dock');
    await inViewport(page, await cursorRow(page), 'the prompt row with the board shown');
    await page.screenshot({ path: 'screenshots/lab-dock-board-390x844.png' });
    await boardButton.click();
    await expect(page.locator('#lab-board')).toBeHidden();

    // Escape from inside the terminal: minimised to its bar, focus back on the Run button
    await page.locator('.xterm').click();
    await page.keyboard.press('Escape');
    await expect(lab).toHaveAttribute('data-dock', 'min');
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(toggle).toHaveAccessibleName('Open');
    await expect(run).toBeFocused();
    await expect(page.locator('.lab-main')).toHaveAttribute('inert', '');
    await expect.poll(async () => (await rect(page.locator('.lab-deck'))).top).toBeGreaterThan(844 - 60);
    await expect(page.getByTestId('dock-bar')).toBeInViewport();
    await page.screenshot({ path: 'screenshots/lab-dock-min-390x844.png' });

    // open again from the bar, minimise by its button
    await toggle.click();
    await expect(lab).toHaveAttribute('data-dock', 'open');
    await expect(page.locator('.lab-main')).not.toHaveAttribute('inert', '');
    await toggle.click();
    await expect(lab).toHaveAttribute('data-dock', 'min');
    await toggle.click();

    // Ctrl-C from the bar stops a running program (a phone has no Ctrl key)
    await runButton(page, 'while True').click();
    await expect(page.locator('[data-led="13"]')).toHaveAttribute('data-lit', 'true', { timeout: 5000 });
    await page.getByTestId('dock-bar').getByRole('button', { name: 'Ctrl-C' }).click();
    await waitForTerminal(page, (t) => t.includes('KeyboardInterrupt:') && lastLine(t) === '>>>', 'KeyboardInterrupt');

    // ✕ puts the terminal back in the lab
    await page.getByRole('button', { name: 'Close: put the terminal back in the lab' }).click();
    await expect(lab).toHaveAttribute('data-dock', 'off');
    await expect(page.getByTestId('dock-bar')).toHaveCount(0);
    await expect(page.locator('.lab-deck')).toHaveCSS('position', 'static');
    await expect(page.locator('.lab-docked-note')).toHaveCount(0);
    await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
    expect(lastLine(await terminalText(page))).toBe('>>>');
    // focus went back to the Run button that opened the dock last
    await expect(runButton(page, 'while True')).toBeFocused();
  });

  test('the dock leaves the page when the window gets wide, and "Put it back here" closes it', async ({ page }) => {
    await boot(page);
    await runButton(page, READINGS).click();
    const lab = page.getByTestId('lab');
    await expect(lab).toHaveAttribute('data-dock', 'open');
    await page.getByRole('button', { name: 'Put it back here' }).click();
    await expect(lab).toHaveAttribute('data-dock', 'off');
    await expect(page.locator('.xterm-helper-textarea')).toBeFocused();
    await runButton(page, READINGS).click();
    await expect(lab).toHaveAttribute('data-dock', 'open');
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect(lab).toHaveAttribute('data-dock', 'off');
    await expect(page.locator('.lab-deck')).toHaveCSS('position', 'static');
  });
});

test.describe('phone with a touch screen', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('Run opens the dock but keeps focus off the terminal (no on-screen keyboard over the output)', async ({ page }) => {
    await boot(page);
    expect(await page.evaluate(() => matchMedia('(hover: none) and (pointer: coarse)').matches)).toBe(true);
    const run = runButton(page, READINGS);
    await run.scrollIntoViewIfNeeded();
    await run.tap();
    await expect(page.getByTestId('lab')).toHaveAttribute('data-dock', 'open');
    await waitForTerminal(page, (t) => /(1\n){10}>>>$/.test(t), 'ten readings and the prompt', 15_000);
    await expect(page.locator('.xterm-helper-textarea')).not.toBeFocused();
    await expect(page.locator('.terminal-hint')).toBeHidden();
  });
});

test.describe('keyboard: the way out of the terminal', () => {
  test('Tab completes at the REPL; Escape then Tab leaves forwards, Escape then Shift+Tab backwards, and nothing reaches the board', async ({ page }) => {
    await openLessonAndBoot(page);
    const input = page.locator('.xterm-helper-textarea');
    // announced and shown
    const hint = page.locator('.terminal-hint');
    await expect(hint).toBeVisible();
    await expect(hint).toContainText('Press Esc then Tab to leave the terminal');
    await expect(input).toHaveAttribute('aria-describedby', 'terminal-keys-hint');
    await expect(input).toHaveAccessibleDescription(/Press Esc then Tab to leave the terminal/);

    // Run still moves focus into the terminal
    await runButton(page, 'while True').click();
    await expect(input).toBeFocused();
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, (t) => t.includes('KeyboardInterrupt:') && lastLine(t) === '>>>', 'KeyboardInterrupt');

    // a plain Tab goes to the board: the REPL completes the name, focus stays
    await page.keyboard.type('impo');
    await page.keyboard.press('Tab');
    await waitForTerminal(page, (t) => lastLine(t) === '>>> import', 'impo + Tab completed to import');
    await expect(input).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(input).toBeFocused();
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'fresh prompt');

    // Escape then Tab: focus moves to the next control after the terminal; no Tab was sent
    await page.keyboard.type('impo');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect(input).not.toBeFocused();
    await expect(page.locator('.circuit-panel summary')).toBeFocused();
    await page.waitForTimeout(300);
    expect(lastLine(await terminalText(page))).toBe('>>> impo');

    // back in, and Escape then Shift+Tab: the control before it (the baud rate)
    await page.locator('.xterm').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Shift+Tab');
    await expect(page.getByLabel('Terminal baud rate')).toBeFocused();

    // Escape followed by another key changes nothing: the key reaches the board whole
    await page.locator('.xterm').click();
    await page.keyboard.press('Control+C');
    await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'fresh prompt');
    await page.keyboard.press('Escape');
    await page.keyboard.type('print(6*7)');
    await page.keyboard.press('Enter');
    const text = await waitForTerminal(page, (t) => /print\(6\*7\)\n42\n>>>$/.test(t), 'print(6*7) gives 42');
    expect(text).not.toContain('NameError');
    await expect(input).toBeFocused();
    // and Escape then Tab after that still completes nothing and leaves
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    await expect(input).not.toBeFocused();
  });
});
