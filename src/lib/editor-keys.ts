/**
 * What the code editor's keys do (src/lib/code-editor.ts), in words, for the editors'
 * `aria-describedby` descriptions. A module of its own so the islands can show it without
 * loading CodeMirror.
 */
export const EDITOR_KEYS_HELP =
  'Tab indents and Shift+Tab removes indentation. To leave the editor with the keyboard, press Escape and then Tab ' +
  '(or Shift+Tab) within two seconds. Ctrl+M (Shift+Alt+M on a Mac) switches Tab between indenting and moving focus.';

/** The same, short, for the line shown under an open editor. */
export const EDITOR_KEYS_HINT = 'Tab indents · Esc then Tab leaves the editor';
