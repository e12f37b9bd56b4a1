/**
 * The site's code editor: CodeMirror 6 with Python highlighting in the colours of the lessons'
 * static github-light blocks. Used by the editable examples (src/islands/EditableExample.tsx)
 * and by the Files panel (src/islands/FileManager.tsx). Both import this module with a dynamic
 * `import()`, so CodeMirror is a chunk of its own that is loaded only when an editor opens.
 *
 * Keyboard (described for screen readers in src/lib/editor-keys.ts): Tab indents and Shift+Tab dedents (`indentWithTab`),
 * and CodeMirror's documented escape keeps the editor from trapping focus: Esc, then Tab or
 * Shift+Tab within two seconds, moves focus out as usual; Ctrl+M (Shift+Alt+M on macOS) switches
 * Tab to moving focus until pressed again. Ctrl/Cmd+Enter calls `onRun`, Ctrl/Cmd+S `onSave`.
 */
import { defaultKeymap, deleteCharBackward, deleteCharForward, history, historyKeymap, indentWithTab, insertNewlineAndIndent } from '@codemirror/commands';
import { pythonLanguage } from '@codemirror/lang-python';
import { HighlightStyle, indentOnInput, indentUnit, syntaxHighlighting, syntaxTree } from '@codemirror/language';
import { Compartment, EditorSelection, EditorState, Prec, type Extension, type Range } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap, ViewPlugin, type ViewUpdate } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';

/** Options of {@link createCodeEditor}. */
export interface CodeEditorOptions {
  /** The text to start with. */
  doc: string;
  /** Accessible name of the editable region (`aria-label`), e.g. "Python code, editable". */
  label: string;
  /** Id(s) of the element(s) describing the editor (`aria-describedby`), e.g. its key help. */
  describedBy?: string;
  /** `python` (default) highlights and indents Python; `text` is plain text. */
  language?: 'python' | 'text';
  /** Caret position (UTF-16 offset into `doc`, clamped); default 0. */
  caret?: number;
  /** Called after every change of the text, with the whole new text. */
  onChange?: (text: string) => void;
  /** Ctrl+Enter / Cmd+Enter. Without it the key inserts a blank line as CodeMirror does. */
  onRun?: () => void;
  /** Ctrl+S / Cmd+S (the browser's "save page" is prevented). */
  onSave?: () => void;
  /** `data-testid` of the editor's outer element. */
  testId?: string;
}

/** A live editor made by {@link createCodeEditor}. */
export interface CodeEditor {
  /** The CodeMirror view (its `dom` is inside the parent given to {@link createCodeEditor}). */
  readonly view: EditorView;
  /** The current text. */
  readonly text: string;
  /** Replaces the whole text (one undoable change) and puts the caret at its start; calls `onChange`. */
  setText(text: string): void;
  /** Changes the accessible name (the file was saved under a new name, say). */
  setLabel(label: string): void;
  /** Focuses the editable region, optionally moving the caret to `at` (clamped). */
  focus(at?: number): void;
  /**
   * Applies one key press as if it had been typed in the editor: a single printable character is
   * inserted at the selection, `Enter` inserts an indented new line, `Backspace`/`Delete` delete.
   * Used to pass on the keys a reader typed into a static block before the editor was there.
   * @returns false for other keys (nothing done)
   */
  applyKey(key: string): boolean;
  /** Removes the editor from the page. */
  destroy(): void;
}

/**
 * Colours of Shiki's github-light theme, as the static blocks have them, by Lezer tag. Every
 * one is at least 4.5:1 on the editor's white background (#d73a49 4.57, #6a737d 4.82, #005cc5
 * 6.29, #6f42c1 6.51, #032f62 13.2, text #24292e 14.7). github-light's orange for keyword
 * arguments (#e36209, 3.49:1) is not used: Lezer does not tell them apart, they stay ink.
 */
const githubLight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword, t.operatorKeyword, t.modifier], color: '#d73a49' },
  { tag: [t.arithmeticOperator, t.compareOperator, t.definitionOperator, t.updateOperator, t.bitwiseOperator], color: '#d73a49' },
  { tag: [t.bool, t.null, t.number, t.escape, t.self], color: '#005cc5' },
  { tag: [t.string, t.special(t.string)], color: '#032f62' },
  { tag: [t.lineComment, t.comment], color: '#6a737d' },
  { tag: t.meta, color: '#6f42c1' },
  { tag: [t.function(t.definition(t.variableName)), t.definition(t.className)], color: '#6f42c1' },
]);

/**
 * github-light colours names in capitals (`Pin.OUT`, `IRQ_FALLING`) as constants and Python's
 * built-in functions and exceptions (`print`, `range`, `OSError`) as library names, both in
 * #005cc5; Lezer has no tags for those, so a small plugin marks such names.
 */
const builtinMark = Decoration.mark({ class: 'cm-builtin' });
const CAPS = /^_*[A-Z][A-Z0-9_]*[A-Z0-9]$/;
const BUILTINS = new Set(
  ('abs all any bin bool bytearray bytes callable chr classmethod compile dict dir divmod enumerate eval exec filter ' +
    'float getattr globals hasattr hash help hex id input int isinstance issubclass iter len list locals map max ' +
    'memoryview min next object oct open ord pow print property range repr reversed round set setattr slice sorted ' +
    'staticmethod str sum super tuple type zip Exception BaseException ArithmeticError AssertionError AttributeError ' +
    'EOFError ImportError IndexError KeyError KeyboardInterrupt MemoryError NameError NotImplementedError OSError ' +
    'OverflowError RuntimeError StopIteration SyntaxError SystemExit TypeError ValueError ZeroDivisionError').split(' '),
);
function builtinDecorations(view: EditorView): DecorationSet {
  const marks: Range<Decoration>[] = [];
  for (const { from, to } of view.visibleRanges) {
    syntaxTree(view.state).iterate({
      from,
      to,
      enter: (node) => {
        if (node.name !== 'VariableName' && node.name !== 'PropertyName') return;
        const name = view.state.sliceDoc(node.from, node.to);
        if (CAPS.test(name) || (node.name === 'VariableName' && BUILTINS.has(name))) marks.push(builtinMark.range(node.from, node.to));
      },
    });
  }
  return Decoration.set(marks);
}
const builtinNames = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = builtinDecorations(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.viewportChanged || syntaxTree(u.startState) !== syntaxTree(u.state)) this.decorations = builtinDecorations(u.view);
    }
  },
  { decorations: (p) => p.decorations },
);

/**
 * Typing over a selection that spans lines: Chromium (156) replaces it in the DOM leaving an
 * empty line behind, which CodeMirror then reads as part of the change (select all, type "p":
 * the text becomes "p\n"). Such an insertion is done here as a plain selection replace instead.
 */
const crossLineTyping = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if (event.inputType !== 'insertText' || !event.data || view.composing) return false;
    const { doc, selection } = view.state;
    if (!selection.ranges.some((r) => doc.lineAt(r.from).number !== doc.lineAt(r.to).number)) return false;
    event.preventDefault();
    view.dispatch(view.state.replaceSelection(event.data), { userEvent: 'input.type', scrollIntoView: true });
    return true;
  },
});

/** The editor's look: white like the static blocks, text #24292e, a visible focus ring. Sizes come from CSS (src/styles/editor.css). */
const theme = EditorView.theme({
  '&': { backgroundColor: '#fff', color: '#24292e' },
  '&.cm-focused': { outline: '3px solid #f4a261', outlineOffset: '2px' },
  '.cm-content': { caretColor: '#24292e' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: '#24292e', borderLeftWidth: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: '#c8e1ff' },
  '.cm-builtin': { color: '#005cc5' },
});

/** The editable region's attributes: its name, description, and no spelling help (it is code). */
function attributes(label: string, describedBy: string | undefined): Extension {
  return EditorView.contentAttributes.of({
    'aria-label': label,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    spellcheck: 'false',
    autocorrect: 'off',
    autocapitalize: 'off',
    translate: 'no',
  });
}

/**
 * Creates an editor inside `parent` (appended to it).
 * @param parent the element that holds the editor; its size and spacing come from the page's CSS
 * @param options the text, accessible name, language and key callbacks
 * @returns the live editor; call `destroy()` when its part of the page goes away
 */
export function createCodeEditor(parent: HTMLElement, options: CodeEditorOptions): CodeEditor {
  const { doc, label, describedBy, language = 'python', caret = 0, onChange, onRun, onSave, testId } = options;
  const labelling = new Compartment();
  const keys = [
    ...(onRun ? [{ key: 'Mod-Enter', run: () => (onRun(), true) }] : []),
    ...(onSave ? [{ key: 'Mod-s', run: () => (onSave(), true), preventDefault: true }] : []),
  ];
  const extensions: Extension[] = [
    Prec.highest(keymap.of(keys)),
    history(),
    crossLineTyping,
    keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
    indentUnit.of('    '),
    EditorState.tabSize.of(4),
    theme,
    labelling.of(attributes(label, describedBy)),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) onChange?.(u.state.doc.toString());
    }),
  ];
  if (language === 'python') extensions.push(pythonLanguage, indentOnInput(), syntaxHighlighting(githubLight), builtinNames);
  if (testId) extensions.push(EditorView.editorAttributes.of({ 'data-testid': testId }));

  const view = new EditorView({
    parent,
    state: EditorState.create({ doc, selection: { anchor: Math.max(0, Math.min(caret, doc.length)) }, extensions }),
  });

  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    setText(text: string) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 }, userEvent: 'input.reset', scrollIntoView: true });
    },
    setLabel(to: string) {
      view.dispatch({ effects: labelling.reconfigure(attributes(to, describedBy)) });
    },
    focus(at?: number) {
      if (at !== undefined) view.dispatch({ selection: { anchor: Math.max(0, Math.min(at, view.state.doc.length)) }, scrollIntoView: true });
      view.focus();
    },
    applyKey(key: string) {
      if (key === 'Enter') return insertNewlineAndIndent(view);
      if (key === 'Backspace') return deleteCharBackward(view);
      if (key === 'Delete') return deleteCharForward(view);
      if ([...key].length !== 1) return false;
      view.dispatch(view.state.changeByRange((r) => ({ changes: { from: r.from, to: r.to, insert: key }, range: EditorSelection.cursor(r.from + key.length) })), {
        userEvent: 'input.type',
        scrollIntoView: true,
      });
      return true;
    },
    destroy() {
      view.destroy();
    },
  };
}
