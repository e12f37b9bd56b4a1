/**
 * Course progress on the page: the ticks and "n of m exercises done" of the home page's lesson
 * list and of the lesson menu, the course-level count, and the "Reset my progress" control.
 *
 * The pages are static: at build time each lesson's element carries the ids of its exercises
 * (`data-exercises="id1 id2"`, from {@link exerciseIdsIn}); in the browser {@link startCourseProgress}
 * reads the completed ids from localStorage (src/lib/exercise-check.ts) and fills in the counts.
 * It listens for {@link PROGRESS_EVENT} (an exercise ticked on this page, or a reset) and for the
 * `storage` event (another tab), so the counts follow without a reload. Without JavaScript the
 * pages keep their build-time text ("2 exercises").
 */
import { PROGRESS_EVENT, PROGRESS_STORE_KEY, completedExercises, resetProgress, type ProgressDetail } from './exercise-check.ts';

/**
 * The ids of the `<Exercise id="…">` elements in a lesson's MDX source, in the order they appear
 * (each once). The opening tag's attributes are read one by one: only its own `id="…"` (or
 * `id='…'`) counts; other quoted values and JSX expressions in braces (`check={{ … }}`) are
 * skipped whole, so a `>` or an `id=` inside them changes nothing.
 */
export function exerciseIdsIn(source: string): string[] {
  const ids: string[] = [];
  for (const open of source.matchAll(/<Exercise(?=[\s/>])/g)) {
    const id = attributesAt(source, (open.index ?? 0) + open[0].length).get('id');
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** The quoted attributes of a JSX opening tag whose attribute list starts at `i`. */
function attributesAt(src: string, i: number): Map<string, string> {
  const attrs = new Map<string, string>();
  const name = /[A-Za-z_:][\w:.-]*/y;
  while (i < src.length) {
    while (/\s/.test(src[i] ?? '')) i++;
    if (src[i] === '>' || src[i] === '/' || i >= src.length) break;
    if (src[i] === '{') {
      i = skipBraces(src, i); // a spread attribute
      continue;
    }
    name.lastIndex = i;
    const m = name.exec(src);
    if (!m) break; // not JSX we understand: stop reading this tag
    i += m[0].length;
    while (/\s/.test(src[i] ?? '')) i++;
    if (src[i] !== '=') continue; // boolean attribute
    i++;
    while (/\s/.test(src[i] ?? '')) i++;
    const q = src[i];
    if (q === '"' || q === "'") {
      const close = src.indexOf(q, i + 1);
      if (close < 0) break;
      attrs.set(m[0], src.slice(i + 1, close));
      i = close + 1;
    } else if (q === '{') {
      i = skipBraces(src, i);
    } else break;
  }
  return attrs;
}

/** The index after the brace group opening at `i` (strings inside it skipped). */
function skipBraces(src: string, i: number): number {
  let depth = 0;
  for (; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === '`') {
      // a JavaScript string inside the expression: to its unescaped closing quote
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return src.length;
}

/** How many of a lesson's exercises are done. */
export interface LessonCount {
  /** Exercises of the lesson completed in this browser. */
  done: number;
  /** Exercises the lesson has (0: the lesson has none). */
  total: number;
}

/** Counts the completed ones among `ids` (ids completed elsewhere are not counted). */
export function countDone(ids: readonly string[], completed: ReadonlySet<string>): LessonCount {
  const unique = [...new Set(ids)];
  return { done: unique.filter((id) => completed.has(id)).length, total: unique.length };
}

/**
 * What a lesson's progress says: '' for a lesson without exercises (nothing to claim),
 * "1 of 2 exercises done", "All 2 exercises done" (or "The exercise is done" for one).
 */
export function progressText({ done, total }: LessonCount): string {
  if (total === 0) return '';
  if (done >= total) return total === 1 ? 'Exercise done' : `All ${total} exercises done`;
  return `${done} of ${total} ${total === 1 ? 'exercise' : 'exercises'} done`;
}

/** The build-time text of a lesson's exercises (shown without JavaScript): '', "1 exercise", "2 exercises". */
export function exercisesText(total: number): string {
  return total === 0 ? '' : `${total} ${total === 1 ? 'exercise' : 'exercises'}`;
}

/** localStorage, or null where reading it throws (storage disabled, sandboxed frames). */
export function safeStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

function idsOf(el: Element): string[] {
  return (el.getAttribute('data-exercises') ?? '').split(/\s+/).filter(Boolean);
}

/** Refreshes every progress element of the page from the stored completions. */
export function renderProgress(root: ParentNode = document, completed = completedExercises(safeStorage())): void {
  const all = new Set<string>();
  for (const lesson of root.querySelectorAll('[data-exercises]')) {
    const ids = idsOf(lesson);
    ids.forEach((id) => all.add(id));
    const count = countDone(ids, completed);
    const complete = count.total > 0 && count.done >= count.total;
    lesson.setAttribute('data-complete', complete ? 'true' : 'false');
    const text = lesson.querySelector('[data-progress-text]');
    if (text) text.textContent = progressText(count);
    const tick = lesson.querySelector<HTMLElement>('[data-progress-tick]');
    if (tick) tick.hidden = !complete;
  }
  const course = countDone([...all], completed);
  for (const line of root.querySelectorAll('[data-course-progress]')) {
    line.textContent = `${course.done} of ${course.total} exercises done`;
  }
}

/**
 * Wires a "Reset my progress" control: its first button opens an inline confirm step (Reset /
 * Cancel, Escape cancels) instead of window.confirm; confirming clears the stored exercises
 * (see {@link resetProgress}), which re-renders the page through {@link PROGRESS_EVENT}.
 * Expected markup: `[data-progress-reset]` holding `[data-reset-open]`, `[data-reset-confirm]`
 * (hidden, with `[data-reset-yes]` and `[data-reset-no]`) and a `[data-reset-status]` live region.
 */
export function wireReset(box: HTMLElement): void {
  const open = box.querySelector<HTMLButtonElement>('[data-reset-open]');
  const confirm = box.querySelector<HTMLElement>('[data-reset-confirm]');
  const yes = box.querySelector<HTMLButtonElement>('[data-reset-yes]');
  const no = box.querySelector<HTMLButtonElement>('[data-reset-no]');
  const status = box.querySelector<HTMLElement>('[data-reset-status]');
  if (!open || !confirm || !yes || !no) return;
  box.hidden = false;
  const close = (message: string) => {
    confirm.hidden = true;
    open.hidden = false;
    open.setAttribute('aria-expanded', 'false');
    if (status) status.textContent = message;
    open.focus();
  };
  open.addEventListener('click', () => {
    open.hidden = true;
    open.setAttribute('aria-expanded', 'true');
    confirm.hidden = false;
    if (status) status.textContent = '';
    no.focus();
  });
  no.addEventListener('click', () => close('Nothing was reset.'));
  yes.addEventListener('click', () => {
    resetProgress(safeStorage());
    close('Your progress was reset: no exercise is ticked.');
  });
  confirm.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close('Nothing was reset.');
    }
  });
}

/** Fills in the progress of the page and keeps it current; wires its reset controls. */
export function startCourseProgress(): void {
  // exercises ticked on this page count even where storage cannot keep them
  const session = new Set<string>();
  const render = () => renderProgress(document, new Set([...completedExercises(safeStorage()), ...session]));
  render();
  globalThis.addEventListener(PROGRESS_EVENT, (e) => {
    const detail = (e as CustomEvent<ProgressDetail | undefined>).detail;
    if (detail && 'id' in detail) session.add(detail.id);
    else if (detail && 'reset' in detail) session.clear();
    render();
  });
  globalThis.addEventListener('storage', (e) => {
    if (e.key === null || e.key === PROGRESS_STORE_KEY) render();
  });
  // back/forward cache: the page may come back after exercises were done elsewhere
  globalThis.addEventListener('pageshow', (e) => {
    if (e.persisted) render();
  });
  document.querySelectorAll<HTMLElement>('[data-progress-reset]').forEach(wireReset);
}
