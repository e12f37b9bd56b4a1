/** Helpers for the site's CodeMirror editors (src/lib/code-editor.ts) in the e2e specs. */
import type { Locator, Page } from '@playwright/test';

/**
 * The text of the CodeMirror editor inside `editor`, its lines joined with \n. Reads the drawn
 * lines, so it is exact for documents short enough to be drawn whole (every lesson example and
 * the files the specs edit).
 */
export async function editorText(editor: Locator): Promise<string> {
  return editor.locator('.cm-content').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n'));
}

/**
 * Replaces the whole text of the focused editor by typing it, as a reader would (select all,
 * then type). Each line is typed after the editor's own indentation is removed, so `text` is
 * what the editor ends up holding even after lines the editor indents by itself.
 */
export async function typeOver(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+a');
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (i > 0) {
      await page.keyboard.press('Enter');
      // drop the auto-indent the editor added
      await page.keyboard.press('Shift+Home');
      await page.keyboard.press('Delete');
    }
    await page.keyboard.type(lines[i]!);
  }
}
