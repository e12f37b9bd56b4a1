/**
 * Editable examples (src/islands/EditableExample.tsx, src/lib/code-editor.ts): a lesson's Run
 * block can be changed in a CodeMirror editor before it runs; the static block stays for readers
 * without JavaScript and until the reader edits. The Files panel uses the same editor.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { editorText } from './code-editor';
import { FIRST_LESSON, lastLine, openLessonAndBoot, waitForTerminal } from './helpers';

/** The first-steps block that reads the Flash button ten times. */
const BUTTON_BLOCK = 'button = Pin(0, Pin.IN)\nfor i';

function buttonBlock(page: Page): Locator {
  return page.locator('.lesson-text .runnable', { hasText: 'for i in range(10)' }).first();
}

/** Whether the focused element is inside `loc`. */
async function focusInside(loc: Locator): Promise<boolean> {
  return loc.evaluate((el) => el.contains(document.activeElement));
}

test('edit an example, Run sends the edited code (not the lesson’s); Reset to the original brings it back', async ({ page }) => {
  await openLessonAndBoot(page);
  const block = buttonBlock(page);
  const original = (await block.locator('pre').textContent())!;
  expect(original).toContain(BUTTON_BLOCK);
  await expect(block.locator('.cm-editor')).toHaveCount(0); // CodeMirror only after Edit
  await expect(block.getByRole('button', { name: 'Reset to the original' })).toHaveCount(0);

  await block.getByRole('button', { name: 'Edit' }).click();
  const editor = block.getByRole('textbox', { name: 'Python code, editable' });
  await expect(editor).toBeFocused();
  await expect(block.locator('pre')).toBeHidden(); // the editor took the static block's place
  await expect(block.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  expect(await editorText(block)).toBe(original);
  await expect(block.getByRole('button', { name: 'Reset to the original' })).toHaveCount(0); // nothing changed yet

  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type("print('edited', 6 * 7)");
  expect(await editorText(block)).toBe("print('edited', 6 * 7)");
  await expect(block.getByRole('button', { name: 'Reset to the original' })).toBeVisible();
  await block.getByRole('button', { name: /Run/ }).click();
  // "edited 42" is computed by the board: the echo of the pasted line says 6 * 7
  const after = await waitForTerminal(page, (t) => t.includes('edited 42') && lastLine(t) === '>>>', 'the edited example’s output');
  expect(after).not.toContain('button = Pin(0'); // the lesson's code was not sent
  expect(after).not.toContain('range(10)');

  await block.getByRole('button', { name: 'Reset to the original' }).click();
  expect(await editorText(block)).toBe(original);
  await expect(block.getByRole('button', { name: 'Reset to the original' })).toHaveCount(0);
  await expect(editor).toBeFocused(); // the button went away; focus went back to the code
  await block.getByRole('button', { name: /Run/ }).click();
  await waitForTerminal(page, (t) => t.includes('button = Pin(0, Pin.IN)'), 'the lesson’s code is sent again');
});

test('Ctrl+Enter in the editor runs it; the edit is kept in this tab across a reload', async ({ page }) => {
  await openLessonAndBoot(page);
  const block = buttonBlock(page);
  await block.getByRole('button', { name: 'Edit' }).click();
  const editor = block.getByRole('textbox', { name: 'Python code, editable' });
  await expect(editor).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type("print('ctrl', 'enter', 2 ** 5)");
  await page.keyboard.press('Control+Enter');
  await waitForTerminal(page, (t) => t.includes('ctrl enter 32') && lastLine(t) === '>>>', 'Ctrl+Enter ran the edited code');
  expect(await editorText(block)).toBe("print('ctrl', 'enter', 2 ** 5)"); // no blank line inserted

  // sessionStorage keeps it: after a reload the block opens in its editor with the edit
  await page.reload();
  await waitForTerminal(page, (t) => lastLine(t) === '>>>', 'prompt after the reload');
  await expect(buttonBlock(page).locator('.cm-editor')).toBeVisible();
  expect(await editorText(buttonBlock(page))).toBe("print('ctrl', 'enter', 2 ** 5)");
  await expect(buttonBlock(page).getByRole('button', { name: 'Reset to the original' })).toBeVisible();
  // other blocks are untouched and still static
  await expect(page.locator('.lesson-text .runnable .cm-editor')).toHaveCount(1);
});

test('keyboard: Tab indents, Esc then Tab leaves the editor, as its description says; typing in the static block opens it', async ({ page }) => {
  await openLessonAndBoot(page);
  const block = buttonBlock(page);
  const original = (await block.locator('pre').textContent())!;

  // typing into the focused static block: the editor opens with the key in it
  await block.locator('pre').focus();
  await page.keyboard.type('#');
  const editor = block.getByRole('textbox', { name: 'Python code, editable' });
  await expect(editor).toBeFocused();
  await expect.poll(() => editorText(block)).toBe(`#${original}`);
  await expect(editor).toHaveAccessibleDescription(/Tab indents.*press Escape and then Tab/);

  // Tab indents and keeps the focus
  await page.keyboard.press('Tab');
  expect(await editorText(block)).toBe(`    #${original}`);
  expect(await focusInside(block.locator('.cm-editor'))).toBe(true);
  // Esc then Tab moves on: to the next control, the block's Reset button
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  await expect(block.getByRole('button', { name: 'Reset to the original' })).toBeFocused();
  expect(await editorText(block)).toBe(`    #${original}`); // that Tab inserted nothing
  // Shift+Tab comes back in; Esc then Shift+Tab goes out the other way
  await page.keyboard.press('Shift+Tab');
  await expect(editor).toBeFocused();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  expect(await focusInside(block)).toBe(false);

  // a caret placed by a click in the static block is where typing lands
  const other = page.locator('.lesson-text .runnable', { hasText: 'led.toggle()' }).first();
  await other.scrollIntoViewIfNeeded();
  // the left edge of the "t" of "toggle": a click there puts the caret just before it
  const at = await other.locator('pre').evaluate((pre) => {
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.textContent!.indexOf('toggle');
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + 1);
      const box = r.getBoundingClientRect();
      return { x: box.left + 1, y: box.top + box.height / 2 };
    }
    throw new Error('no toggle in the block');
  });
  await page.mouse.click(at.x, at.y);
  await page.keyboard.type('Z');
  await expect(other.locator('.cm-editor')).toBeVisible();
  await expect.poll(() => editorText(other)).toContain('led.Ztoggle()');
});

test('the Files panel: open boot.py in the editor, edit, save; opened again it shows the edit', async ({ page }) => {
  await openLessonAndBoot(page);
  const panel = page.getByTestId('files-panel');
  await panel.locator('summary').click();
  await panel.getByRole('button', { name: 'List files' }).click();
  await panel.getByRole('button', { name: 'Edit boot.py' }).click();
  const text = panel.getByRole('textbox', { name: 'Contents of /boot.py' });
  await expect(text).toBeFocused();
  const before = await editorText(panel.getByTestId('files-text'));
  expect(before).toContain('import gc');
  await expect(text).toHaveAccessibleDescription(/Escape and then Tab.*Ctrl\+S/);
  // Python highlighting: `import` in github-light's keyword red
  const kw = panel.getByTestId('files-text').locator('.cm-line span', { hasText: /^import$/ }).first();
  await expect(kw).toHaveCSS('color', 'rgb(215, 58, 73)');

  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type("\nprint('boot edited')");
  await expect(panel.getByText('(not saved)')).toBeVisible();
  await page.keyboard.press('Control+s'); // the editor's Save key
  await expect(panel.getByTestId('files-status')).toContainText('Saved /boot.py');
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel.getByTestId('files-text')).toHaveCount(0);

  await panel.getByRole('button', { name: 'Edit boot.py' }).click();
  await expect(panel.getByRole('textbox', { name: 'Contents of /boot.py' })).toBeFocused();
  expect(await editorText(panel.getByTestId('files-text'))).toBe(`${before}\nprint('boot edited')`);
  await page.locator('.files-editor').screenshot({ path: 'screenshots/files-code-editor.png' });
});

test('axe: a lesson with an open editor and the Files panel list has no serious or critical violations', async ({ page }) => {
  await openLessonAndBoot(page);
  const block = buttonBlock(page);
  await block.getByRole('button', { name: 'Edit' }).click();
  await expect(block.getByRole('textbox', { name: 'Python code, editable' })).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type("for i in range(3):\nprint('x', i, True, None, 0x1F)  # a comment");
  await expect(block.getByRole('button', { name: 'Reset to the original' })).toBeVisible();
  const panel = page.getByTestId('files-panel');
  await panel.locator('summary').click();
  await panel.getByRole('button', { name: 'List files' }).click();
  await panel.getByRole('button', { name: 'Edit boot.py' }).click();
  await expect(panel.getByTestId('files-text')).toBeVisible();

  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const editorRelated = bad.filter((v) => v.nodes.some((n) => n.target.join(' ').match(/cm-|runnable|example|files-/)));
  expect(editorRelated.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  // and the editors themselves, every rule (colour contrast of each highlight colour included)
  const own = await new AxeBuilder({ page }).include('.runnable .example-editor').include('.files-editor').include('.files-list').analyze();
  expect(own.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  expect(own.passes.some((p) => p.id === 'color-contrast')).toBe(true);
});

for (const [w, h] of [
  [1280, 800],
  [1366, 768],
  [390, 844],
] as const) {
  test(`screenshot of an open editor at ${w}×${h}`, async ({ page }) => {
    await openLessonAndBoot(page); // at the default size: at 390 px the banner wraps in the terminal
    await page.setViewportSize({ width: w, height: h });
    const block = buttonBlock(page);
    await block.scrollIntoViewIfNeeded();
    await block.screenshot({ path: `screenshots/editor-static-${w}x${h}.png` });
    await block.getByRole('button', { name: 'Edit' }).click();
    await expect(block.getByRole('textbox', { name: 'Python code, editable' })).toBeFocused();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.type("\nprint('changed')");
    await expect(block.getByRole('button', { name: 'Reset to the original' })).toBeVisible();
    // no sideways scrolling of the page because of the editor
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await block.screenshot({ path: `screenshots/editor-open-${w}x${h}.png` });
    await page.screenshot({ path: `screenshots/editor-page-${w}x${h}.png` });
  });
}

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the static block is there, with no editor and no buttons', async ({ page }) => {
    await page.goto(FIRST_LESSON);
    const block = buttonBlock(page);
    await expect(block.locator('pre.astro-code')).toBeVisible();
    await expect(block.locator('pre.astro-code')).toContainText('for i in range(10):');
    expect(await block.locator('pre span[style*="color"]').count()).toBeGreaterThan(3);
    await expect(page.locator('.cm-editor')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  });
});
