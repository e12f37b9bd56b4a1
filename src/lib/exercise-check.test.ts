import { describe, expect, it } from 'vitest';
import { STEADY_MS, SequenceTracker, completedExercises, holds, lastRomBoot, lastRomLine, markCompleted, type Observed } from './exercise-check.ts';

function obs(over: Partial<Observed['view']> = {}, output = ''): Observed {
  return {
    view: { pins: Array(17).fill('input'), levels: Array(17).fill(0), led: false, ledBrightness: 0, duty: Array(17).fill(null), adc: 0, flashHeld: false, sleeping: false, uptimeMs: 0, supplyUa: 70000, ...over },
    output,
  };
}

describe('exercise checks', () => {
  it('checks pins, the LED, PWM duty and output', () => {
    const pins = Array(17).fill('input');
    pins[12] = 'high';
    expect(holds({ pin: 12, state: 'high' }, obs({ pins }))).toBe(true);
    expect(holds({ pin: 12, state: 'high' }, obs())).toBe(false);
    expect(holds({ led: true }, obs({ led: true }))).toBe(true);
    const duty = Array(17).fill(null);
    duty[13] = 300;
    expect(holds({ duty: { gpio: 13, min: 100, max: 500 } }, obs({ duty }))).toBe(true);
    expect(holds({ duty: { gpio: 13, min: 400 } }, obs({ duty }))).toBe(false);
    expect(holds({ output: 'MemoryError' }, obs({}, 'x\r\nMemoryError: …'))).toBe(true);
    expect(holds({ all: [{ led: true }, { output: 'x' }] }, obs({ led: true }, ''))).toBe(false);
  });

  it('a sequence completes only when its steps happen in order', () => {
    const t = new SequenceTracker({ sequence: [{ led: true, for: 0 }, { led: false, for: 0 }] });
    expect(t.update(obs({ led: false }))).toBe(false);
    expect(t.update(obs({ led: true }))).toBe(false);
    expect(t.progress).toBe(1);
    expect(t.update(obs({ led: false }))).toBe(true);
  });

  it('a state counts only once it has held for STEADY_MS without a break', () => {
    const duty = (d: number | null) => { const a = Array(17).fill(null); a[13] = d; return a; };
    const at = (d: number | null, now: number): Observed => ({ ...obs({ duty: duty(d) }), now });
    const t = new SequenceTracker({ duty: { gpio: 13, min: 400, max: 624 } });
    // a fade passing through the range (20 ms a step) never holds long enough
    let now = 0;
    for (let d = 0; d < 1024; d += 32, now += 20) expect(t.update(at(d, now))).toBe(false);
    expect(t.update(at(1023, now))).toBe(false);
    expect(t.recheckInMs).toBeNull();
    // PWM left at 512: pending, then done after STEADY_MS
    expect(t.update(at(512, 5000))).toBe(false);
    expect(t.recheckInMs).toBe(STEADY_MS);
    expect(t.update(at(512, 5000 + STEADY_MS - 1))).toBe(false);
    expect(t.update(at(512, 5000 + STEADY_MS))).toBe(true);
  });

  it('a break in a state starts its wait again', () => {
    const pins = (s: string) => { const a = Array(17).fill('input'); a[12] = s; return a; };
    const t = new SequenceTracker({ pin: 12, state: 'high' });
    expect(t.update({ ...obs({ pins: pins('high') }), now: 0 })).toBe(false);
    expect(t.update({ ...obs({ pins: pins('low') }), now: 600 })).toBe(false);
    expect(t.update({ ...obs({ pins: pins('high') }), now: 700 })).toBe(false);
    expect(t.update({ ...obs({ pins: pins('high') }), now: 1500 })).toBe(false);
    expect(t.update({ ...obs({ pins: pins('high') }), now: 1700 })).toBe(true);
  });

  it('pattern steps match a regular expression, in order, and uptime steps the board clock', () => {
    const t = new SequenceTracker({ sequence: [{ uptimeMs: 8 * 3600_000 }, { pattern: '(^|\\n)200\\r\\n' }, { output: 'OSError: -40' }] });
    expect(t.update(obs({ uptimeMs: 1000 }, '200\r\nOSError: -40\r\n'))).toBe(false);
    const late = 8 * 3600_000 + 5;
    expect(t.update(obs({ uptimeMs: late }, '200\r\nOSError: -40\r\n'))).toBe(false); // printed before the jump
    expect(t.update(obs({ uptimeMs: late }, '200\r\nOSError: -40\r\n1200\r\nOSError: -40\r\n'))).toBe(false); // 1200 is not 200
    expect(t.update(obs({ uptimeMs: late }, '200\r\nOSError: -40\r\n1200\r\n200\r\nOSError: -40\r\n'))).toBe(true);
  });

  it('remembers completed exercises and survives bad storage', () => {
    const data = new Map<string, string>();
    const storage = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
    markCompleted(storage, 'a');
    markCompleted(storage, 'b');
    expect([...completedExercises(storage)]).toEqual(['a', 'b']);
    data.set('esp8266-lab:exercises', '{broken');
    expect(completedExercises(storage).size).toBe(0);
    expect(completedExercises(null).size).toBe(0);
  });
});

describe('boot ROM checks', () => {
  const rom1 = '\r\n ets Jan  8 2013,rst cause:1, boot mode:(3,6)\r\n\r\nload 0x40100000, len 28672, room 16 \r\n';
  const rom2 = '\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,6)\r\n\r\n';
  it('lastRomLine finds the latest header line', () => {
    expect(lastRomLine('')).toBe('');
    expect(lastRomLine(rom1)).toBe('ets Jan  8 2013,rst cause:1, boot mode:(3,6)');
    expect(lastRomLine(rom1 + rom2)).toBe('ets Jan  8 2013,rst cause:2, boot mode:(1,6)');
  });

  it('a sequence of ROM checks needs a break and then a fix, not the power-on boot', () => {
    const view = { pins: [], levels: [], led: false, ledBrightness: 0, duty: [], adc: 0, flashHeld: false, sleeping: false, uptimeMs: 0, supplyUa: 70000 };
    const t = new SequenceTracker({ sequence: [{ rom: 'boot mode:(7,' }, { rom: 'boot mode:(3,' }] });
    expect(t.update({ view, output: '', rom: lastRomLine(rom1) })).toBe(false);
    expect(t.update({ view, output: '', rom: 'ets Jan  8 2013,rst cause:2, boot mode:(7,6)' })).toBe(false);
    expect(t.update({ view, output: '', rom: 'ets Jan  8 2013,rst cause:2, boot mode:(3,6)' })).toBe(true);
  });

  it('a rom check sees the latest boot\'s load lines too: a blank flash, then a firmware that loads', () => {
    const view = { pins: [], levels: [], led: false, ledBrightness: 0, duty: [], adc: 0, flashHeld: false, sleeping: false, uptimeMs: 0, supplyUa: 70000 };
    const blank = '\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nets_main.c \r\n';
    const loads = '\r\n ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nload 0x40100000, len 28672, room 16 \r\ntail 0\r\nchksum 0x3b\r\ncsum 0x3b\r\n';
    expect(lastRomBoot(rom1 + blank)).toBe(blank.slice(3));
    const t = new SequenceTracker({ sequence: [{ rom: 'ets_main.c' }, { rom: 'csum 0x' }] });
    expect(t.update({ view, output: '', rom: lastRomBoot(rom1) })).toBe(false);
    expect(t.update({ view, output: '', rom: lastRomBoot(rom1 + blank) })).toBe(false);
    expect(t.update({ view, output: '', rom: lastRomBoot(rom1 + blank + loads) })).toBe(true);
  });
});

describe('output steps in a sequence', () => {
  const view = { pins: [], levels: [], led: false, ledBrightness: 0, duty: [], adc: 0, flashHeld: false, sleeping: false, uptimeMs: 0, supplyUa: 70000 };
  it('match in order, even when the earlier text is already in the output', () => {
    const t = new SequenceTracker({ sequence: [{ output: 'app: started' }, { output: 'Type "help()"' }] });
    // a banner before the app's line does not count
    expect(t.update({ view, output: 'Type "help()" ... app: started\r\n>>> ' })).toBe(false);
    expect(t.update({ view, output: 'Type "help()" ... app: started\r\n>>> \r\nMPY: soft reboot\r\nType "help()"' })).toBe(true);
  });

  it('look only at output that arrived after an earlier non-output step held', () => {
    const t = new SequenceTracker({ sequence: [{ rom: 'ets_main.c' }, { output: 'Performing initial setup' }] });
    const first = 'Performing initial setup\r\n>>> ';
    expect(t.update({ view, output: first, rom: 'ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n\r\nets_main.c ' })).toBe(false);
    expect(t.update({ view, output: first + 'Performing initial setup\r\n' })).toBe(true);
  });

  it('keep their place when the front of the output is dropped', () => {
    const t = new SequenceTracker({ sequence: [{ output: 'A1' }, { output: 'B2' }] });
    expect(t.update({ view, output: 'xxA1yy', outputDropped: 0 })).toBe(false);
    // 'A1' was at absolute 2..4; the kept window now starts at absolute 3
    expect(t.update({ view, output: '1yyB2', outputDropped: 3 })).toBe(true);
  });
});

// ---- progress events and reset (the lesson list and the home page listen for them) ----
import { vi } from 'vitest';
import { PROGRESS_EVENT, PROGRESS_STORE_KEY, announceProgress, resetProgress, type ProgressDetail } from './exercise-check.ts';

/** A Map-backed Storage; `broken` makes every call throw, as disabled storage does. */
function memoryStorage(broken = false): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  const fail = () => {
    if (broken) throw new DOMException('storage disabled', 'SecurityError');
  };
  return {
    data,
    get length() { return data.size; },
    clear: () => { fail(); data.clear(); },
    getItem: (k) => { fail(); return data.get(k) ?? null; },
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => { fail(); data.delete(k); },
    setItem: (k, v) => { fail(); data.set(k, v); },
  };
}

describe('progress events', () => {
  it('markCompleted stores the id and announces it on the window', () => {
    const target = new EventTarget();
    const seen: ProgressDetail[] = [];
    target.addEventListener(PROGRESS_EVENT, (e) => seen.push((e as CustomEvent<ProgressDetail>).detail));
    vi.stubGlobal('dispatchEvent', target.dispatchEvent.bind(target));
    try {
      const storage = memoryStorage();
      markCompleted(storage, 'meet-drive-gpio12');
      expect(JSON.parse(storage.data.get(PROGRESS_STORE_KEY) ?? 'null')).toEqual(['meet-drive-gpio12']);
      expect(seen).toEqual([{ id: 'meet-drive-gpio12' }]);
      // announced even when storage fails (the page's ticks still follow for this visit)
      markCompleted(memoryStorage(true), 'meet-half-led');
      expect(seen).toEqual([{ id: 'meet-drive-gpio12' }, { id: 'meet-half-led' }]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('announceProgress does nothing without a window (Node) and uses a given target', () => {
    expect(globalThis.dispatchEvent).toBeUndefined();
    expect(() => announceProgress({ reset: true })).not.toThrow();
    const target = new EventTarget();
    const types: string[] = [];
    target.addEventListener(PROGRESS_EVENT, (e) => types.push(e.type));
    target.addEventListener('other', (e) => types.push(e.type));
    announceProgress({ id: 'x' }, target);
    expect(types).toEqual(['esp8266-lab:progress']);
  });

  it('resetProgress clears only the exercises key and announces the reset', () => {
    const storage = memoryStorage();
    markCompleted(storage, 'a');
    markCompleted(storage, 'b');
    storage.setItem('esp8266-lab:flash-size', '1M');
    expect(completedExercises(storage)).toEqual(new Set(['a', 'b']));
    const target = new EventTarget();
    const seen: ProgressDetail[] = [];
    target.addEventListener(PROGRESS_EVENT, (e) => seen.push((e as CustomEvent<ProgressDetail>).detail));
    vi.stubGlobal('dispatchEvent', target.dispatchEvent.bind(target));
    try {
      resetProgress(storage);
    } finally {
      vi.unstubAllGlobals();
    }
    expect(completedExercises(storage).size).toBe(0);
    expect(storage.getItem('esp8266-lab:flash-size')).toBe('1M');
    expect(seen).toEqual([{ reset: true }]);
  });

  it('resetProgress survives missing or disabled storage', () => {
    expect(() => resetProgress(null)).not.toThrow();
    expect(() => resetProgress(memoryStorage(true))).not.toThrow();
  });
});

describe('the Flash button in a check', () => {
  it('an LED that follows the button: lit while held and dark after, each for a moment', () => {
    const check = { sequence: [{ all: [{ flashHeld: true }, { led: true, for: 300 }] }, { all: [{ flashHeld: false }, { led: false, for: 300 }] }] };
    const at = (flashHeld: boolean, led: boolean, now: number): Observed => ({ ...obs({ flashHeld, led }), now });
    // an LED that is always on: the second step never holds
    const always = new SequenceTracker(check);
    expect(always.update(at(true, true, 0))).toBe(false);
    expect(always.update(at(true, true, 400))).toBe(false);
    expect(always.update(at(false, true, 500))).toBe(false);
    expect(always.update(at(false, true, 2000))).toBe(false);
    // one that follows the button
    const follows = new SequenceTracker(check);
    expect(follows.update(at(true, true, 0))).toBe(false);
    expect(follows.update(at(true, true, 400))).toBe(false);
    expect(follows.progress).toBe(1);
    expect(follows.update(at(false, false, 500))).toBe(false);
    expect(follows.update(at(false, false, 900))).toBe(true);
  });
});
