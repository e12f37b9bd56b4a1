/**
 * Our firmware's Python modules (firmware/python/) going into the interpreter: the small ones at
 * every boot, the large, rarely needed ones compiled on first import (the firmware's import hook,
 * `_fw_init.py`, asks for them with `fw_stage`/`fw_unstage`). On the chip these are C modules
 * and frozen bytecode in flash, so their memory is not the program's (heap-budget.ts).
 */
import type { HeapBudget } from './heap-budget.ts';
import type { Interpreter } from './interpreter.ts';

/** Directory our firmware's Python sources are loaded from (then removed). */
export const FW_DIR = '/_fw';
/** Firmware modules compiled on first use rather than at every boot (large, rarely needed). */
const LAZY_FIRMWARE = new Set(['_fw_esp.py', '_fw_buses.py', '_fw_inisetup.py', '_fw_network.py', '_fw_socket.py', '_fw_ntptime.py', '_fw_requests.py', '_fw_urequests.py', '_fw_umqtt.py', '_fw_tls.py', '_fw_ssl.py', '_fw_webrepl.py', '_fw_webrepl_setup.py', '_fw_upysh.py', '_fw_umqtt_robust.py', '_fw_cryptolib.py', '_fw_btree.py', '_fw_espnow_c.py', '_fw_espnow.py', '_fw_websocket.py', '_fw_webrepl_c.py', '_fw_mip.py', '_fw_port_diag.py', '_fw_asyncio.py', '_fw_uasyncio.py']);

export class FirmwareModules {
  private readonly sources: Record<string, string>;
  private readonly heap: HeapBudget;

  /** @param sources the firmware's Python sources by file name (`_fw_init.py`, …) */
  constructor(sources: Record<string, string>, heap: HeapBudget) {
    this.sources = sources;
    this.heap = heap;
  }

  /** Registers the firmware calls as `_esp_hal` and imports `_fw_init` (which installs `machine`, `time`, …). */
  install(interp: Interpreter, hal: object): void {
    const { mp } = interp;
    mp.registerJsModule('_esp_hal', hal);
    mp.FS.mkdir(FW_DIR);
    const names = Object.keys(this.sources).filter((n) => !LAZY_FIRMWARE.has(n));
    for (const name of names) mp.FS.writeFile(`${FW_DIR}/${name}`, this.sources[name] as string);
    try {
      // __import__ binds no names in __main__ (dir() at the prompt stays as on the board)
      mp.runPython(`__import__('sys').path.insert(0, '${FW_DIR}')\n__import__('_fw_init')\n`);
    } finally {
      for (const name of names) mp.FS.unlink(`${FW_DIR}/${name}`);
      mp.FS.rmdir(FW_DIR);
    }
  }

  /** `fw_stage`: puts a lazy module's source where the import finds it. */
  stage(interp: Interpreter | null, name: string): void {
    const fs = interp?.mp.FS;
    const source = this.sources[`${name}.py`];
    if (!fs || source === undefined) return;
    this.heap.beginFirmwareLoad();
    try {
      fs.mkdir(FW_DIR);
    } catch {
      /* exists */
    }
    fs.writeFile(`${FW_DIR}/${name}.py`, source);
  }

  /** `fw_unstage`: the module is imported; its source goes again. */
  unstage(interp: Interpreter | null, name: string): void {
    const fs = interp?.mp.FS;
    if (!fs) return;
    try {
      fs.unlink(`${FW_DIR}/${name}.py`);
    } catch {
      /* already gone */
    }
    try {
      if (fs.readdir(FW_DIR).filter((n) => n !== '.' && n !== '..').length === 0) fs.rmdir(FW_DIR);
    } catch {
      /* already gone */
    }
    this.heap.endFirmwareLoad();
  }
}
