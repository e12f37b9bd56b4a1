/**
 * Progress and navigation around the lessons (issue 11): ticks and "n of m exercises done" on the
 * home page, "Lesson n of N", previous/next and the lesson list (menu or sidebar) inside a lesson,
 * "Reset my progress" with its inline confirm step, live updates, landmarks and axe.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { typeLine, waitForTerminal, BANNER, lastLine } from './helpers';

const KEY = 'esp8266-lab:exercises';
const MEET = '/en/lessons/meet-the-esp07/';
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
  { width: 390, height: 844 },
];

/** Stores completed exercise ids before any page script runs (every navigation of this page). */
async function seed(page: Page, ids: string[]): Promise<void> {
  await page.addInitScript(
    ([key, value]) => {
      // once per test: later navigations keep what the page itself stored or cleared
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem(key as string, value as string);
        sessionStorage.setItem('seeded', '1');
      }
    },
    [KEY, JSON.stringify(ids)],
  );
}

/** The home page's list item of the lesson whose link says `title`. */
function homeItem(page: Page, title: string | RegExp) {
  return page.locator('.lesson-list > li').filter({ has: page.getByRole('link', { name: title }) });
}

/** All exercise ids the home page knows (from its build-time data-exercises). */
async function allIds(page: Page): Promise<string[]> {
  const lists = await page.locator('.lesson-list > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-exercises') ?? ''));
  return lists.flatMap((s) => s.split(' ').filter(Boolean));
}

test('the home page numbers the lessons and shows 0 of N exercises done at first', async ({ page }) => {
  await page.goto('/');
  const items = page.locator('.lesson-list > li');
  await expect(items).toHaveCount(12);
  await expect(items.nth(0).locator('.lesson-num')).toHaveText('1');
  await expect(items.nth(11).locator('.lesson-num')).toHaveText('12');
  // screen readers hear the number too (the badge is hidden from them)
  await expect(items.nth(2)).toContainText('Lesson 3: Meet the ESP-07');
  const ids = await allIds(page);
  expect(ids.length).toBeGreaterThanOrEqual(12);
  expect(new Set(ids).size).toBe(ids.length);
  await expect(page.locator('main [data-course-progress]')).toHaveText(`0 of ${ids.length} exercises done`);
  const meet = homeItem(page, 'Meet the ESP-07');
  await expect(meet.locator('[data-progress-text]')).toHaveText('0 of 2 exercises done');
  await expect(meet.locator('.lesson-tick')).toBeHidden();
  await expect(page.locator('.lesson-tick:visible')).toHaveCount(0);
  // a lesson without exercises claims nothing
  for (const li of await items.all()) {
    if ((await li.getAttribute('data-exercises')) === '') {
      await expect(li.locator('.lesson-status')).toHaveCount(0);
      await expect(li).not.toContainText(/exercise/i);
    }
  }
});

test('stored exercises show as "n of m" and as ticks of complete lessons; unknown ids are not counted', async ({ page }) => {
  await seed(page, ['meet-drive-gpio12', 'mem-until-error', 'no-such-exercise']);
  await page.goto('/');
  const total = (await allIds(page)).length;
  await expect(page.locator('main [data-course-progress]')).toHaveText(`2 of ${total} exercises done`);
  const meet = homeItem(page, 'Meet the ESP-07');
  await expect(meet.locator('[data-progress-text]')).toHaveText('1 of 2 exercises done');
  await expect(meet.locator('.lesson-tick')).toBeHidden();
  await expect(meet).toHaveAttribute('data-complete', 'false');
  const mem = homeItem(page, /Living in 38/);
  await expect(mem.locator('[data-progress-text]')).toHaveText('Exercise done');
  await expect(mem.locator('.lesson-tick')).toBeVisible();
  await expect(mem).toHaveAttribute('data-complete', 'true');
  await expect(page.locator('.lesson-tick:visible')).toHaveCount(1);

  // both of lesson 3's exercises: its tick too
  await page.evaluate((key) => localStorage.setItem(key, JSON.stringify(['meet-drive-gpio12', 'meet-half-led', 'mem-until-error'])), KEY);
  await page.reload();
  await expect(meet.locator('[data-progress-text]')).toHaveText('All 2 exercises done');
  await expect(meet.locator('.lesson-tick')).toBeVisible();
  await expect(page.locator('main [data-course-progress]')).toHaveText(`3 of ${total} exercises done`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: 'screenshots/course-home-1280.png', fullPage: true });
});

test('every lesson\'s build-time exercise ids are the exercises on its page', async ({ page, request }) => {
  await page.goto('/');
  const items = await page.locator('.lesson-list > li').evaluateAll((lis) =>
    lis.map((li) => ({ href: li.querySelector('a')!.getAttribute('href')!, ids: (li.getAttribute('data-exercises') ?? '').split(' ').filter(Boolean) })),
  );
  expect(items).toHaveLength(12);
  let withExercises = 0;
  for (const { href, ids } of items) {
    const html = await (await request.get(href)).text();
    const onPage = [...html.matchAll(/data-exercise="([^"]+)"/g)].map((m) => m[1]);
    expect(ids, href).toEqual(onPage);
    if (ids.length) withExercises++;
  }
  expect(withExercises).toBeGreaterThanOrEqual(10);
});

test('a lesson says "Lesson 3 of 12" and links its neighbours by title', async ({ page }) => {
  await page.goto(MEET);
  await expect(page.locator('main .lesson-position')).toHaveText('Lesson 3 of 12');
  const position = await page.locator('.lesson-position').boundingBox();
  const h1 = await page.locator('h1').boundingBox();
  expect(h1!.y - (position!.y + position!.height)).toBeLessThan(20);
  const pager = page.getByRole('navigation', { name: 'Previous and next lesson' });
  const prev = pager.getByRole('link', { name: /Previous lesson/ });
  const next = pager.getByRole('link', { name: /Next lesson/ });
  await expect(prev).toHaveAttribute('rel', 'prev');
  await expect(prev).toHaveAttribute('href', '/en/lessons/repl-keys/');
  await expect(prev).toContainText('2. ');
  await expect(next).toHaveAttribute('href', '/en/lessons/living-in-38k/');
  await expect(next).toContainText('4. ');
  const nextTitle = (await next.locator('.pager-title').textContent())!.replace(/^4\. /, '');
  await next.click();
  await expect(page).toHaveURL('/en/lessons/living-in-38k/');
  await expect(page.locator('h1')).toHaveText(nextTitle);
  await expect(page.locator('.lesson-position')).toHaveText('Lesson 4 of 12');
  await page.getByRole('link', { name: /Previous lesson/ }).click();
  await expect(page).toHaveURL(MEET);

  // the ends of the course: no rel=prev on the first lesson, no rel=next on the last
  await page.goto('/en/lessons/first-steps/');
  await expect(page.locator('.lesson-position')).toHaveText('Lesson 1 of 12');
  await expect(page.locator('a[rel="prev"]')).toHaveCount(0);
  await expect(pager.getByRole('link', { name: /Course overview/ })).toHaveAttribute('href', '/');
  await page.goto('/en/lessons/webrepl/');
  await expect(page.locator('.lesson-position')).toHaveText('Lesson 12 of 12');
  await expect(page.locator('a[rel="next"]')).toHaveCount(0);
  await expect(pager.getByRole('link', { name: /last lesson/ })).toHaveAttribute('href', '/');
});

test('the lesson list has every lesson in order and marks the current one', async ({ page }) => {
  await page.goto('/');
  const homeOrder = await page.locator('.lesson-list > li a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(MEET);
  const nav = page.getByRole('navigation', { name: 'Course lessons' });
  await nav.locator('summary').click();
  const links = nav.locator('.course-lessons a');
  await expect(links).toHaveCount(12);
  expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(homeOrder);
  await expect(nav.locator('[aria-current]')).toHaveCount(1);
  const current = nav.locator('a[aria-current="page"]');
  await expect(current).toHaveAttribute('href', MEET);
  await expect(current).toContainText('Meet the ESP-07');
  await expect(links.nth(2)).toHaveAttribute('aria-current', 'page');
  await links.nth(4).click();
  await expect(page).toHaveURL(homeOrder[4]!);
  await expect(nav.locator('a[aria-current="page"]')).toHaveAttribute('href', homeOrder[4]!);
});

test('the lesson list ticks completed lessons, and follows an exercise ticked on the page without reload', async ({ page }) => {
  await seed(page, ['meet-half-led', 'mem-until-error']);
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(MEET);
  const nav = page.getByRole('navigation', { name: 'Course lessons' });
  const meet = nav.locator('li', { has: page.locator('a[aria-current="page"]') });
  const mem = nav.locator('li', { has: page.locator('a[href="/en/lessons/living-in-38k/"]') });
  await expect(mem.locator('[data-progress-tick]')).toBeVisible();
  await expect(mem.getByRole('link')).toHaveAccessibleName(/exercises done/);
  await expect(meet.locator('[data-progress-tick]')).toBeHidden();
  const total = (await nav.locator('li').evaluateAll((lis) => lis.flatMap((li) => (li.getAttribute('data-exercises') ?? '').split(' ').filter(Boolean)))).length;
  await expect(nav.locator('[data-course-progress]')).toHaveText(`2 of ${total} exercises done`);

  // do the GPIO12 exercise at the REPL: the exercise box ticks, and so does the list, live
  await waitForTerminal(page, (t) => t.includes(BANNER) && lastLine(t) === '>>>', 'banner and prompt', 20_000);
  await typeLine(page, 'from machine import Pin; p = Pin(12, Pin.OUT); p.on(); p.value()');
  await expect(page.getByTestId('exercise-meet-drive-gpio12')).toHaveAttribute('data-done', 'true', { timeout: 15_000 });
  await expect(meet.locator('[data-progress-tick]')).toBeVisible();
  await expect(nav.locator('[data-course-progress]')).toHaveText(`3 of ${total} exercises done`);
  expect(JSON.parse((await page.evaluate((k) => localStorage.getItem(k), KEY))!)).toContain('meet-drive-gpio12');
  await page.screenshot({ path: 'screenshots/course-lesson-1600.png' });
});

test('on a phone the lesson menu opens by keyboard, lists all lessons and closes with Escape', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(MEET);
  const nav = page.getByRole('navigation', { name: 'Course lessons' });
  const summary = nav.locator('summary');
  await expect(summary).toBeVisible();
  await expect(nav.locator('.course-lessons')).toBeHidden();
  // the menu is near the top: one of the first few Tab stops (after the site's header)
  let stops = 0;
  while (!(await summary.evaluate((el) => el === document.activeElement)) && stops < 6) {
    await page.keyboard.press('Tab');
    stops++;
  }
  await expect(summary).toBeFocused();
  await page.keyboard.press('Enter');
  const links = nav.locator('.course-lessons a');
  await expect(links).toHaveCount(12);
  for (const link of await links.all()) await expect(link).toBeVisible();
  await expect(nav.locator('a[aria-current="page"]')).toContainText('Meet the ESP-07');
  await page.screenshot({ path: 'screenshots/course-menu-390.png' });
  await page.keyboard.press('Tab');
  await expect(links.first()).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(nav.locator('.course-lessons')).toBeHidden();
  await expect(summary).toBeFocused();
  // no sideways scrolling
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('Reset my progress asks inline, then clears the ticks at once', async ({ page }) => {
  await seed(page, ['meet-drive-gpio12', 'meet-half-led', 'mem-until-error']);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await page.goto('/');
  const total = (await allIds(page)).length;
  const line = page.locator('main [data-course-progress]');
  await expect(line).toHaveText(`3 of ${total} exercises done`);
  await expect(page.locator('.lesson-tick:visible')).toHaveCount(2);
  const reset = page.getByRole('button', { name: 'Reset my progress' });
  await reset.click();
  const yes = page.getByRole('button', { name: 'Yes, reset' });
  const cancel = page.getByRole('button', { name: 'Cancel' });
  await expect(page.getByRole('group', { name: /Clear the ticks/ })).toBeVisible();
  await expect(cancel).toBeFocused();
  // nothing is cleared before the confirm step
  await expect(line).toHaveText(`3 of ${total} exercises done`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('.course-progress').screenshot({ path: 'screenshots/course-reset-confirm.png' });
  await yes.click();
  await expect(line).toHaveText(`0 of ${total} exercises done`);
  await expect(page.locator('.lesson-tick:visible')).toHaveCount(0);
  await expect(homeItem(page, 'Meet the ESP-07').locator('[data-progress-text]')).toHaveText('0 of 2 exercises done');
  await expect(page.getByRole('status').filter({ hasText: 'progress was reset' })).toBeVisible();
  await expect(reset).toBeFocused();
  expect(await page.evaluate((k) => localStorage.getItem(k), KEY)).toBeNull();
  expect(dialogs).toBe(0);
  // and it stays cleared on the next visit
  await page.reload();
  await expect(line).toHaveText(`0 of ${total} exercises done`);
});

test('cancelling the reset (button or Escape) keeps the progress', async ({ page }) => {
  await seed(page, ['meet-drive-gpio12', 'mem-until-error']);
  await page.goto('/');
  const total = (await allIds(page)).length;
  const line = page.locator('main [data-course-progress]');
  const reset = page.getByRole('button', { name: 'Reset my progress' });
  await reset.click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('button', { name: 'Yes, reset' })).toBeHidden();
  await expect(reset).toBeFocused();
  await expect(line).toHaveText(`2 of ${total} exercises done`);
  await reset.press('Enter');
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('button', { name: 'Yes, reset' })).toBeHidden();
  await expect(line).toHaveText(`2 of ${total} exercises done`);
  await expect(page.locator('.lesson-tick:visible')).toHaveCount(1);
  expect(JSON.parse((await page.evaluate((k) => localStorage.getItem(k), KEY))!)).toEqual(['meet-drive-gpio12', 'mem-until-error']);
});

test('with storage disabled the pages still work and the reset does not throw', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  const total = (await allIds(page)).length;
  await expect(page.locator('main [data-course-progress]')).toHaveText(`0 of ${total} exercises done`);
  await page.getByRole('button', { name: 'Reset my progress' }).click();
  await page.getByRole('button', { name: 'Yes, reset' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'progress was reset' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('every page has one main, and the lesson grid keeps the text and the lab readable', async ({ page }) => {
  for (const path of ['/', MEET, '/en/differences/', '/en/workshop/']) {
    await page.goto(path);
    await expect(page.locator('main'), path).toHaveCount(1);
  }
  for (const size of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }]) {
    await page.setViewportSize(size);
    await page.goto(MEET);
    const text = (await page.locator('main.lesson-text').boundingBox())!;
    const lab = (await page.locator('aside.lab').boundingBox())!;
    expect(text.width, `text at ${size.width}`).toBeGreaterThanOrEqual(30 * 16);
    expect(lab.width, `lab at ${size.width}`).toBeGreaterThanOrEqual(28 * 16);
    expect(lab.x).toBeGreaterThan(text.x + text.width - 1);
    // the list is a compact menu above the title, not a column
    const summary = (await page.locator('.course-menu summary').boundingBox())!;
    expect(summary.y).toBeLessThan((await page.locator('h1').boundingBox())!.y);
    await expect(page.locator('.course-lessons')).toBeHidden();
    await page.screenshot({ path: `screenshots/course-lesson-${size.width}.png` });
    await page.locator('.course-menu summary').click();
    await expect(page.locator('.course-lessons a')).toHaveCount(12);
    await page.screenshot({ path: `screenshots/course-lesson-${size.width}-menu.png` });
  }
  // wide screens: the list is an open sidebar left of the text
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(MEET);
  await expect(page.locator('.course-menu summary')).toBeHidden();
  await expect(page.locator('.course-lessons')).toBeVisible();
  const side = (await page.locator('nav.course-nav').boundingBox())!;
  const text = (await page.locator('main.lesson-text').boundingBox())!;
  expect(side.x + side.width).toBeLessThanOrEqual(text.x);
  expect(text.width).toBeGreaterThanOrEqual(30 * 16);
  expect((await page.locator('aside.lab').boundingBox())!.width).toBeGreaterThanOrEqual(28 * 16);
  // and back to a closed menu when the window narrows
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(page.locator('.course-menu summary')).toBeVisible();
  await expect(page.locator('.course-lessons')).toBeHidden();
});

test('screenshots of the home page and a lesson at 1280×800, 1366×768 and 390×844', async ({ page }) => {
  await seed(page, ['meet-drive-gpio12', 'meet-half-led', 'mem-until-error']);
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await page.goto('/');
    await expect(page.locator('main [data-course-progress]')).toContainText('3 of');
    await page.screenshot({ path: `screenshots/course-home-${size.width}x${size.height}.png` });
    await page.goto(MEET);
    await expect(page.locator('.lesson-position')).toBeVisible();
    await page.screenshot({ path: `screenshots/course-lesson-${size.width}x${size.height}.png` });
  }
  await page.goto(MEET);
  await page.locator('.pager').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'screenshots/course-pager-390.png' });
});

const OUR_RULES = /^(landmark-|region$|list$|listitem$|aria-|nested-interactive$|button-name$|link-name$|duplicate-id)/;

test('axe: no serious or critical landmark, list or ARIA problems on the home page and a lesson', async ({ page }) => {
  await seed(page, ['meet-drive-gpio12', 'mem-until-error']);
  for (const size of [{ width: 1280, height: 800 }, { width: 390, height: 844 }, { width: 1600, height: 900 }]) {
    await page.setViewportSize(size);
    for (const path of ['/', MEET]) {
      await page.goto(path);
      if (path === MEET) {
        await expect(page.locator('.xterm')).toBeVisible({ timeout: 20_000 });
        if (size.width < 1500) await page.locator('.course-menu summary').click();
      } else {
        // the confirm step's markup too
        await page.getByRole('button', { name: 'Reset my progress' }).click();
      }
      const results = await new AxeBuilder({ page }).analyze();
      const bad = results.violations.filter((v) => (v.impact === 'serious' || v.impact === 'critical') && OUR_RULES.test(v.id));
      expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${path} at ${size.width}px`).toEqual([]);
      // landmark rules of any impact: one main, nothing outside landmarks
      const landmarks = results.violations.filter((v) => /^(landmark-|region$)/.test(v.id));
      expect(landmarks.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), `${path} at ${size.width}px`).toEqual([]);
    }
  }
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the home list reads well and the lesson menu still opens', async ({ page }) => {
    await page.setViewportSize({ width: 1600, height: 900 });
    await page.goto('/');
    const meet = homeItem(page, 'Meet the ESP-07');
    await expect(meet.locator('[data-progress-text]')).toHaveText('2 exercises');
    await expect(homeItem(page, /Living in 38/).locator('[data-progress-text]')).toHaveText('1 exercise');
    await expect(page.locator('main [data-course-progress]')).toContainText('12 lessons');
    await expect(page.getByRole('button', { name: 'Reset my progress' })).toHaveCount(0);
    await expect(page.locator('.lesson-tick:visible')).toHaveCount(0);
    await page.goto(MEET);
    await expect(page.locator('.lesson-position')).toHaveText('Lesson 3 of 12');
    const summary = page.locator('.course-menu summary');
    await expect(summary).toBeVisible();
    await summary.click();
    await expect(page.locator('.course-lessons a')).toHaveCount(12);
    await expect(page.locator('a[aria-current="page"]')).toBeVisible();
    await expect(page.locator('a[rel="next"]')).toHaveAttribute('href', '/en/lessons/living-in-38k/');
  });
});
