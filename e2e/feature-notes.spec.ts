/**
 * First-use notes (emulator/firmware/unremovable.ts, src/islands/Terminal.tsx): the first time a
 * program uses something only the lab's interpreter has — here a complex literal typed at the
 * REPL and a double-precision float printed by a Run — a note appears over the terminal's top
 * rows, in a polite live region, with a link to its entry on the differences page; once per
 * feature per tab session; nothing moves when it appears; axe finds nothing serious.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { FIRST_LESSON, lastLine, typeLine, waitForTerminal } from './helpers';

const notes = (page: Page) => page.getByTestId('feature-notes');
const note = (page: Page, id: string) => notes(page).locator(`[data-feature="${id}"]`);

async function boot(page: Page): Promise<void> {
  await page.goto(FIRST_LESSON);
  await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
  await waitForTerminal(page, (t) => /MicroPython v1\.\d+\.\d+ on/.test(t) && lastLine(t) === '>>>', 'banner and prompt', 30_000);
}

test('a complex literal at the REPL: one note with a link to the differences page; plain code none; once per session', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewportSize({ width: 1280, height: 800 });
  await boot(page);
  const terminalBox = await page.getByTestId('terminal').boundingBox();

  await typeLine(page, 'x = 7 // 2; print(x, 2.5)');
  await waitForTerminal(page, (t) => t.endsWith('3 2.5\n>>>'), 'plain code ran');
  await page.waitForTimeout(300);
  await expect(notes(page).locator('.feature-note')).toHaveCount(0); // wrong case: nothing to note

  await typeLine(page, 'z = 3 + 4j; print(abs(z))');
  await waitForTerminal(page, (t) => t.includes('SyntaxError: complex values not supported') && lastLine(t) === '>>>', 'a SyntaxError, as on the board');
  await expect(note(page, 'complex')).toContainText('has no complex numbers');
  await expect(notes(page).getByRole('status')).toContainText('complex values not supported');
  const link = note(page, 'complex').getByRole('link', { name: 'How the lab differs' });
  await expect(link).toHaveAttribute('href', '/en/differences/#complex-numbers');
  // nothing moved: the note lies over the terminal
  expect(await page.getByTestId('terminal').boundingBox()).toEqual(terminalBox);
  await page.screenshot({ path: 'screenshots/feature-note-1280.png' });
  const axe = await new AxeBuilder({ page }).include('.terminal-wrap').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // the same feature again: no second note
  await typeLine(page, 'w = 2j');
  await page.waitForTimeout(300);
  await expect(notes(page).locator('.feature-note')).toHaveCount(1);

  // Dismiss from the keyboard gives the terminal the keys back
  await notes(page).getByRole('button', { name: 'Dismiss' }).focus();
  await page.keyboard.press('Enter');
  await expect(notes(page).locator('.feature-note')).toHaveCount(0);
  await expect(page.locator('.xterm-helper-textarea')).toBeFocused();

  // a reload is the same tab session: the note is not shown again
  await page.reload();
  await boot(page);
  await typeLine(page, 'v = 5j');
  await waitForTerminal(page, (t) => t.includes('complex values not supported') && lastLine(t) === '>>>', 'ran after the reload');
  await page.waitForTimeout(300);
  await expect(notes(page).locator('.feature-note')).toHaveCount(0);

  // the link leads to the entry
  await page.goto('/en/differences/#complex-numbers');
  await expect(page.locator('#complex-numbers')).toHaveText('Complex numbers');
  await expect(page.locator('#floating-point')).toBeVisible();
  await expect(page.locator('#prompt-characters')).toBeVisible();
  expect(errors).toEqual([]);
});

for (const [w, h] of [[1366, 768], [390, 844]] as const) {
  test(`a Run that prints double-precision digits notes it once, at ${w}x${h}, without moving the terminal`, async ({ page }) => {
    await page.setViewportSize({ width: w, height: h });
    await boot(page);
    const block = page.locator('.lesson-text .runnable', { hasText: 'for i in range(10)' }).first();
    await block.getByRole('button', { name: 'Edit' }).click();
    await expect(block.getByRole('textbox', { name: 'Python code, editable' })).toBeFocused();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type("print('{:.2f}'.format(1/3), 1/3)");
    await block.getByRole('button', { name: /Run/ }).click();
    await page.locator('.terminal-wrap').scrollIntoViewIfNeeded();
    const terminalBox = await page.getByTestId('terminal').boundingBox();
    await waitForTerminal(page, (t) => t.includes('0.33 0.3333333333333333') && lastLine(t) === '>>>', 'the Run printed', 30_000);
    await expect(note(page, 'double-floats')).toContainText('single-precision floats');
    await expect(note(page, 'double-floats').getByRole('link')).toHaveAttribute('href', '/en/differences/#floating-point');
    expect(await page.getByTestId('terminal').boundingBox()).toEqual(terminalBox);
    await page.screenshot({ path: `screenshots/feature-note-${w}.png` });
    const axe = await new AxeBuilder({ page }).include('.terminal-wrap').analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
    // formatted output alone does not note (wrong case), and a second float print adds nothing
    await typeLine(page, "print('{:.3f}'.format(2/3))");
    await waitForTerminal(page, (t) => t.endsWith('0.667\n>>>'), 'formatted float');
    await typeLine(page, 'print(2/3)');
    await waitForTerminal(page, (t) => t.endsWith('0.6666666666666666\n>>>'), 'another float');
    await page.waitForTimeout(300);
    await expect(notes(page).locator('.feature-note')).toHaveCount(1);
  });
}
