/**
 * A boot loop: `main.py` calls `machine.reset()`, so the board restarts for ever. On a real
 * ESP8266 (MicroPython v1.27.0) each restart takes time (the boot ROM, the SDK's start-up:
 * boot.ts `FIRMWARE_START_MS`), and Ctrl-C lands only while a script runs: the UART interrupt
 * turns it into a KeyboardInterrupt only while the interrupt character is set
 * (ports/esp8266/uart.c `uart0_rx_intr_handler`), which shared/runtime/pyexec.c
 * `parse_compile_execute` does from the end of the compile to the end of the script, then
 * raises what came meanwhile (`mp_handle_pending(true)`). A KeyboardInterrupt in boot.py makes
 * `pyexec_file_if_exists` return 0, so ports/esp8266/main.c `mp_reset` skips main.py and the
 * REPL starts. `machine.reset()` never returns (ports/esp8266/modmachine.c `mp_machine_reset`:
 * `system_restart()`, then `ets_loop_iter()` for ever), so a Ctrl-C in main.py's straight-line
 * code before it is never raised. The window is boot.py's run: its imports search the
 * filesystem and its gc.collect() sweeps the heap (python/_fw_boot.py `_exec_timed`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

/** The banner of the build the test board runs (the default build's release may change). */
const banner = (b: TestBoard) => /MicroPython v[^]*?>>> /.exec(b.all)![0];

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The boot ROM's first lines so far (one per reset). */
const romBoots = (b: TestBoard) => b.textAt(74880).split('rst cause:').length - 1;

/**
 * Holds Ctrl-C down as a terminal's key repeat does (one every 30 ms) until the prompt appears.
 * @returns how long it took in ms, or null if no prompt came within `ms`
 */
async function holdCtrlC(b: TestBoard, ms: number): Promise<number | null> {
  const start = Date.now();
  b.since();
  while (Date.now() - start < ms) {
    b.host.write('\x03');
    await sleep(30);
    if (b.recent.includes('>>> ')) return Date.now() - start;
  }
  return null;
}

async function writeMain(b: TestBoard, src: string): Promise<void> {
  await b.exec(`f = open('main.py', 'w'); f.write(${JSON.stringify(src)}); f.close()`);
}

describe('a main.py that calls machine.reset() (ports/esp8266/main.c, shared/runtime/pyexec.c)', () => {
  it('restarts about 7 times a second, as the ROM and the SDK take ~110 ms and the scripts some more', async () => {
    board = await TestBoard.boot();
    await writeMain(board, 'import machine\nmachine.reset()\n');
    const before = romBoots(board);
    board.since();
    board.host.reset();
    await sleep(2000);
    const perSecond = (romBoots(board) - before) / 2;
    // a board needs 110 ms or more per restart; the emulator without the start-up time made ~35
    expect(perSecond).toBeGreaterThanOrEqual(2); // (a loaded test machine is slower)
    expect(perSecond).toBeLessThanOrEqual(9);
    // nothing at 115200 baud: main.py prints nothing, and the REPL never starts
    expect(board.recent).toBe('');
  });

  it('Ctrl-C held down lands within seconds: KeyboardInterrupt out of boot.py, main.py skipped, the REPL starts', async () => {
    board = await TestBoard.boot();
    await writeMain(board, 'import machine\nmachine.reset()\n');
    board.host.reset();
    await sleep(500);
    const took = await holdCtrlC(board, 10_000);
    expect(took).not.toBeNull();
    // a window of ~7 ms in a ~145 ms cycle: a Ctrl-C every 30 ms lands in about a second on average
    expect(took!).toBeLessThan(10_000);
    // raised by pyexec after boot.py, outside any of its frames: no Traceback line
    // (py/obj.c mp_obj_print_exception prints it only for a traceback); then init_done's
    // "\r\n" and the banner; later Ctrl-Cs at the prompt each give a new prompt
    await board.waitFor('>>> ');
    expect(board.recent).toMatch(/^KeyboardInterrupt: \r\n\r\n/);
    expect(board.recent).toContain(`KeyboardInterrupt: \r\n\r\n${banner(board)}`);
    await sleep(100);
    // the escape: rename main.py, then a reset boots normally
    const [renamed, ls] = await board.session(["import os; os.rename('main.py', 'main_off.py')", 'os.listdir()']);
    expect(renamed).toBe('');
    expect(ls).toBe("['boot.py', 'main_off.py']\n");
    board.since();
    board.host.reset();
    await board.waitFor(banner(board));
    expect(board.recent).toBe(`\r\n${banner(board)}`);
  }, 30_000);

  it('a main.py that waits before the reset is stopped at once, with its own traceback', async () => {
    board = await TestBoard.boot();
    await writeMain(board, 'import machine, time\ntime.sleep(1)\nmachine.reset()\n');
    board.host.reset();
    await sleep(500);
    const took = await holdCtrlC(board, 3000);
    expect(took).not.toBeNull();
    await board.waitFor('>>> ');
    expect(board.recent).toContain(`Traceback (most recent call last):\r\n  File "main.py", line 2, in <module>\r\nKeyboardInterrupt: \r\n\r\n${banner(board)}`);
  });

  it('wrong case: without boot.py there is no window, and Ctrl-C never lands (erase the flash instead)', async () => {
    board = await TestBoard.boot();
    await board.exec("import os; os.remove('boot.py')");
    await writeMain(board, 'import machine\nmachine.reset()\n');
    board.host.reset();
    await sleep(300);
    const before = romBoots(board);
    const got = await holdCtrlC(board, 3000);
    expect(got).toBeNull();
    expect(romBoots(board) - before).toBeGreaterThanOrEqual(8);
    expect(board.recent).not.toContain('KeyboardInterrupt');
  }, 20_000);
});
