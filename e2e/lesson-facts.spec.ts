/**
 * The lesson text says what a real ESP8266 on MicroPython v1.27.0 does (issue 11's content
 * corrections), and every lesson ends with a short summary. Read without JavaScript: this is the
 * text every reader gets, and no board needs to boot.
 */
import { expect, test, type Page } from '@playwright/test';

test.use({ javaScriptEnabled: false });

const LESSONS = [
  'first-steps', 'repl-keys', 'meet-the-esp07', 'living-in-38k', 'wiring-and-boot-modes',
  'flashing-micropython', 'the-boot-process', 'keeping-time', 'deep-sleep', 'wifi-and-sockets',
  'tls-on-a-small-chip', 'webrepl',
];

/** The lesson's prose (code blocks included), whitespace collapsed. */
async function lessonText(page: Page, slug: string): Promise<string> {
  await page.goto(`/en/lessons/${slug}/`);
  // the site sets typographic apostrophes and quotes; compare with plain ones
  const text = await page.locator('.lesson-text').innerText();
  return text.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, ' ');
}

for (const slug of LESSONS) {
  test(`${slug}: the last section is "What to remember" with 3 to 6 points`, async ({ page }) => {
    await page.goto(`/en/lessons/${slug}/`);
    const headings = page.locator('.lesson-text article > h2');
    await expect(headings.last()).toHaveText('What to remember');
    // what follows that heading: its points, and no exercise after it
    const after = await page.locator('.lesson-text article').evaluate((article) => {
      const h2s = article.querySelectorAll(':scope > h2');
      const rest: Element[] = [];
      for (let e = h2s[h2s.length - 1].nextElementSibling; e; e = e.nextElementSibling) rest.push(e);
      return {
        items: rest.filter((e) => e.tagName === 'UL').reduce((n, ul) => n + ul.querySelectorAll(':scope > li').length, 0),
        exercises: rest.filter((e) => e.matches('.exercise') || e.querySelector('.exercise')).length,
      };
    });
    expect(after.items).toBeGreaterThanOrEqual(3);
    expect(after.items).toBeLessThanOrEqual(6);
    expect(after.exercises).toBe(0);
  });
}

test('wiring: EN (CH_PD) and RST pulled up, supply, crossed TX/RX; R3/R4 are our circuit\'s parts', async ({ page }) => {
  const t = await lessonText(page, 'wiring-and-boot-modes');
  expect(t).toContain('EN, also labelled CH_PD, to 3.3 V through about 10 kΩ');
  expect(t).toContain('RST to 3.3 V through about 10 kΩ');
  expect(t).toMatch(/peaks of about 300 mA/);
  expect(t).toMatch(/its TX to the module's RXD \(GPIO3\), its RX to the module's TXD \(GPIO1\)/);
  expect(t).not.toContain('ESP-07 carrier');
  expect(t).toContain('not parts of the ESP-07');
});

test('meet-the-esp07: EN must be pulled up; ADC(1) is the supply voltage, with its conditions', async ({ page }) => {
  const t = await lessonText(page, 'meet-the-esp07');
  expect(t).toMatch(/EN, printed CH_PD on some modules, .* must be pulled up to 3\.3 V/);
  expect(t).toContain('ADC(1) reads no pin');
  expect(t).toContain('byte 107');
  expect(t).toContain('65535');
});

test('repl-keys: the Reset button is not like cycling the power', async ({ page }) => {
  const t = await lessonText(page, 'repl-keys');
  expect(t).not.toMatch(/like cycling the power/);
  expect(t).toContain('It is not the same as cycling the power');
});

test('the-boot-process: _boot.py is listed and public; the default boot.py is not all comments', async ({ page }) => {
  const t = await lessonText(page, 'the-boot-process');
  expect(t).not.toMatch(/cannot see or change it/);
  expect(t).toContain("help('modules') lists _boot");
  expect(t).toContain('ports/esp8266/modules/_boot.py');
  expect(t).not.toMatch(/Every line that would do something is commented out/);
  expect(t).toContain('import os, machine #os.dupterm(None, 1) # disable REPL on UART(0) import gc');
});

test('keeping-time: which resets keep the clock', async ({ page }) => {
  const t = await lessonText(page, 'keeping-time');
  expect(t).not.toMatch(/every reset \(except waking from deep sleep\) starts the counter again/);
  expect(t).toMatch(/Ctrl-D \(a soft reset\) does not touch the chip/);
  expect(t).toMatch(/The Reset button \(the RST pin\) sets the counter back to zero while the offset stays/);
  expect(t).toMatch(/Power off and on loses RTC memory/);
});

test('deep-sleep: one account of a board without the GPIO16-RST wire', async ({ page }) => {
  const t = await lessonText(page, 'deep-sleep');
  expect(t).not.toMatch(/sleeps forever/);
  expect(t).toContain('rst cause:5');
  expect(t).toMatch(/the lab shows a note that the board did not wake up and needs Reset/);
});

test('living-in-38k: the slice copy costs 128 bytes', async ({ page }) => {
  const t = await lessonText(page, 'living-in-38k');
  expect(t).not.toMatch(/around 140/);
  expect(t).toContain('The copy costs 128 bytes');
});

test("tls-on-a-small-chip: the hosts are the lab's virtual ones", async ({ page }) => {
  const t = await lessonText(page, 'tls-on-a-small-chip');
  expect(t).toContain("The servers in this lesson are the lab's own");
});

test('screenshots: the new wiring section and a summary at three window sizes', async ({ page }) => {
  for (const [w, h] of [[1280, 800], [1366, 768], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto('/en/lessons/wiring-and-boot-modes/');
    const section = page.getByRole('heading', { name: 'What a bare ESP-07 needs to run at all' });
    await section.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await expect(section).toBeInViewport();
    await page.screenshot({ path: `screenshots/lesson-wiring-en-${w}x${h}.png` });
    const summary = page.getByRole('heading', { name: 'What to remember' });
    await summary.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `screenshots/lesson-wiring-summary-${w}x${h}.png` });
  }
});
