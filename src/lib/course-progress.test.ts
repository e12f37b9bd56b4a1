import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countDone, exerciseIdsIn, exercisesText, progressText } from './course-progress.ts';

describe('exerciseIdsIn', () => {
  it('reads the id of each <Exercise> opening tag, in order, once each', () => {
    const src = `
import Exercise from '../../../src/components/Exercise.astro';

<Exercise
  id="first"
  title="Exercise: one"
  goal="Print 1 > 0, then id=&quot;nope&quot;"
  check={{ output: '>>> ', note: "id='fake'", nested: { a: { b: 1 } } }}
>
<div slot="hint">text with <Exercise mentioned inline</div>
</Exercise>

<Exercise title='Second' id='second' check={{ pin: 12, state: 'high' }} />
<Exercise id="first" goal="again" />
<ExerciseStatus id="not-an-exercise" />
`;
    expect(exerciseIdsIn(src)).toEqual(['first', 'second']);
  });

  it('ignores an id inside another attribute value or a JSX expression', () => {
    expect(exerciseIdsIn(`<Exercise goal='use id="x"' check={{ output: 'id="y" }' }} id="real" />`)).toEqual(['real']);
    expect(exerciseIdsIn(`<Exercise check={{ id: "z" }} goal="g" />`)).toEqual([]);
    expect(exerciseIdsIn('no exercises here')).toEqual([]);
  });

  it('finds every exercise of the real lessons (the ids the pages render)', () => {
    const dir = 'content/lessons/en';
    const ids = readdirSync(dir).filter((f) => f.endsWith('.mdx')).flatMap((f) => exerciseIdsIn(readFileSync(`${dir}/${f}`, 'utf8')));
    expect(ids).toContain('meet-drive-gpio12');
    expect(ids).toContain('meet-half-led');
    expect(ids.length).toBeGreaterThanOrEqual(12);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('counts and texts', () => {
  it('counts only the lesson\'s own ids', () => {
    const done = new Set(['a', 'elsewhere']);
    expect(countDone(['a', 'b'], done)).toEqual({ done: 1, total: 2 });
    expect(countDone(['a', 'a'], done)).toEqual({ done: 1, total: 1 });
    expect(countDone([], done)).toEqual({ done: 0, total: 0 });
  });

  it('says nothing for a lesson without exercises, and n of m otherwise', () => {
    expect(progressText({ done: 0, total: 0 })).toBe('');
    expect(progressText({ done: 0, total: 2 })).toBe('0 of 2 exercises done');
    expect(progressText({ done: 1, total: 2 })).toBe('1 of 2 exercises done');
    expect(progressText({ done: 2, total: 2 })).toBe('All 2 exercises done');
    expect(progressText({ done: 0, total: 1 })).toBe('0 of 1 exercise done');
    expect(progressText({ done: 1, total: 1 })).toBe('Exercise done');
    expect(exercisesText(0)).toBe('');
    expect(exercisesText(1)).toBe('1 exercise');
    expect(exercisesText(3)).toBe('3 exercises');
  });
});
