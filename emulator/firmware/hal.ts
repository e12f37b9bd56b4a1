/**
 * The firmware calls: what our Python modules (firmware/python/) call as `_esp_hal.<name>` where
 * the real firmware calls the SDK, the ROM and its own C code — pins, PWM, ADC, OS timers and
 * IRQs, ticks and sleeps, the RTC, deep sleep, UART0, the SPI flash, littlefs, heap figures,
 * the build's identity, and the network stack's calls (net/stack.ts). Python sees only these
 * names, through {@link guardedModule}.
 */
import { md5 } from '../rom/md5.ts';
import { aes } from './aes.ts';
import { HardResetRequest, type DeviceCore } from './core.ts';
import type { DeepSleep } from './deep-sleep.ts';
import type { DeviceEvents } from './events.ts';
import { fatCalls, type FinaliserFs } from './fat-vfs.ts';
import { UserBlockDevice, type UserBlockCall } from './flash-fs.ts';
import { ESP_HEAP_BYTES, type HeapBudget } from './heap-budget.ts';
import type { DeviceInput } from './input.ts';
import type { FirmwareModules } from './modules.ts';
import type { DeviceOutput } from './output.ts';
import type { DeviceSleep } from './sleep.ts';
import { ESP_PIN_CALL_US, ESP_TICKS_CALL_US, type RealisticSpeed } from './speed.ts';

/** A firmware call: numbers, strings and null cross the interpreter's JS bridge. */
export type FirmwareCall = (...args: never[]) => unknown;

/** The parts the firmware calls reach. */
export interface HalParts {
  core: DeviceCore;
  out: DeviceOutput;
  speed: RealisticSpeed;
  sleep: DeviceSleep;
  deepSleep: DeepSleep;
  events: DeviceEvents;
  input: DeviceInput;
  heap: HeapBudget;
  modules: FirmwareModules;
  /** The network stack's own firmware calls (net/stack.ts `halFunctions`). */
  netCalls: Record<string, FirmwareCall>;
  /** WebREPL: the firmware hands back a file transfer's result (`_fw_webrepl._file_op`). */
  webreplResult(ok: boolean, hex: string): void;
}

/** The board's chip id (the low 3 bytes of its MAC, 5c:cf:7f:c1:dd:42, an Espressif OUI). */
const CHIP_ID = 0x00c1dd42;
/** `ticks_ms()`/`ticks_us()` wrap at 2^30 (MICROPY_PY_TIME_TICKS_PERIOD on the esp8266 port: 31-bit small ints). */
const TICKS_PERIOD = 2 ** 30;
/** Bytes at the end of the flash kept for the SDK's parameters (flashbdev.py: 20480). */
const SDK_PARAM_BYTES = 20480;

/** Bytes as lowercase hex (how byte strings cross the bridge). */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** The bytes of a hex string (two digits a byte). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Registers `machine.mem32` reads see: the eFuse words at 0x3FF00050–0x3FF0005C (esptool reads the
 * MAC from them; the chip id is `mac0 >> 24 | (mac1 & 0xffffff) << 8`, SDK `system_get_chip_id`),
 * consistent with {@link CHIP_ID} and the ROM loader's eFuses (boot.ts), read-only.
 */
export const MEM_REGISTERS: ReadonlyMap<number, number> = new Map([
  [0x3ff00050, ((CHIP_ID & 0xff) << 24) >>> 0],
  [0x3ff00054, CHIP_ID >>> 8],
  [0x3ff00058, 0],
  [0x3ff0005c, 0x005ccf7f],
]);

/** A `size`-byte little-endian read at `addr` (aligned by the caller). */
function memRead(mem: Map<number, number>, addr: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) {
    const a = addr + i;
    const reg = MEM_REGISTERS.get((a - (a & 3)) >>> 0);
    const byte = reg !== undefined ? (reg >>> (8 * (a & 3))) & 0xff : (mem.get(a) ?? 0);
    v = v * 256 + byte;
  }
  return v;
}

/** A `size`-byte little-endian write; the read-only registers keep their value. */
function memWrite(mem: Map<number, number>, addr: number, size: number, value: number): void {
  for (let i = 0; i < size; i++) {
    const a = addr + i;
    if (MEM_REGISTERS.has((a - (a & 3)) >>> 0)) continue;
    mem.set(a, (value >>> (8 * i)) & 0xff);
  }
}

/** The `_esp_hal` module for the running firmware, guarded (see {@link guardedModule}). */
export function firmwareCalls(p: HalParts): object {
  const mem = new Map<number, number>();
  const { core, out, speed, events, input, heap } = p;
  const board = core.board;
  const gpio = board.gpio;
  const clock = board.clock;
  const rtc = core.rtc;
  const afterPinChange = () => {
    out.publishView();
    input.pollSoon();
    // GPIO16 wired to RST (for deep-sleep wake): driving it low resets the chip at once
    if (board.circuit.gpio16ToRst && gpio.state(16) === 'low') throw new HardResetRequest('GPIO16 pulled RST low', 6, 2);
  };
  const calls: Record<string, FirmwareCall> = {
    ...p.netCalls,
    sleep_us: (us: number) => p.sleep.sleepUs(Number(us)),
    fw_enter: () => speed.fwEnter(),
    set_freq: (mhz: number) => speed.setFreq(mhz),
    ticks_ms: () => {
      input.pollSoon();
      speed.fwLeave(ESP_TICKS_CALL_US);
      return Math.floor(clock.nowUs() / 1000) % TICKS_PERIOD;
    },
    ticks_us: () => {
      input.pollSoon();
      speed.fwLeave(ESP_TICKS_CALL_US);
      return Math.floor(clock.nowUs()) % TICKS_PERIOD;
    },
    ticks_cpu: () => Math.floor(clock.nowUs() * 80) % TICKS_PERIOD,
    // machine_rtc.c over RTC memory (chip/rtc.ts); 64-bit values cross as decimal strings
    rtc_us: () => rtc.getUs().toString(),
    rtc_set_us: (us: string) => rtc.setUs(BigInt(us)),
    rtc_mem_read: () => toHex(rtc.readMemory()),
    rtc_mem_write: (hex: string) => rtc.writeMemory(fromHex(hex)),
    rtc_alarm: (ms: number) => rtc.alarm(ms),
    rtc_alarm_left: () => rtc.alarmLeft(),
    rtc_irq: (wake: number) => rtc.irq(wake),
    // machine.deepsleep([ms]) / esp.deepsleep(us): the chip stops; the next boot enters deep sleep
    deepsleep: (kind: string, arg: number) => {
      p.deepSleep.pendingUs = kind === 'esp' ? rtc.espDeepSleep(arg) : rtc.machineDeepSleep(kind === 'ms' ? arg : null);
      throw new HardResetRequest('deep sleep');
    },
    pin_config: (pin: number, mode: number, pull: number, value: number) => {
      gpio.configure(pin, mode, pull === 1, value);
      afterPinChange();
    },
    pin_write: (pin: number, value: number) => {
      gpio.write(pin, value ? 1 : 0);
      afterPinChange();
      speed.fwLeave(ESP_PIN_CALL_US);
    },
    pin_toggle: (pin: number) => {
      gpio.write(pin, gpio.state(pin) === 'high' ? 0 : 1);
      afterPinChange();
      speed.fwLeave(ESP_PIN_CALL_US);
    },
    pin_read: (pin: number) => {
      input.pollSoon();
      speed.fwLeave(ESP_PIN_CALL_US);
      // bit 1 tells the firmware a callback is due (it then runs `_service()`)
      return gpio.read(pin) | (events.pending() ? 2 : 0);
    },
    pin_function: (pin: number) => {
      // Taking GPIO1/GPIO3 as a GPIO disconnects UART0's TX/RX from the pad, as PIN_FUNC_SELECT does.
      if (pin === 1) board.uart0.txConnected = false;
      if (pin === 3) board.uart0.rxConnected = false;
    },
    irq_config: (pin: number, trigger: number) => events.configIrq(pin, trigger),
    next_event: () => events.next(),
    pwm_start: (pin: number) => {
      if (!board.pwm.active(pin) || !gpio.hasPeripheral(pin)) board.startPwm(pin);
      afterPinChange();
    },
    pwm_stop: (pin: number) => {
      board.stopPwm(pin);
      afterPinChange();
    },
    pwm_freq: (hz: number, set: number) => {
      if (set) {
        board.pwm.setFreq(hz);
        out.viewDirty = true;
        afterPinChange();
      }
      return board.pwm.freq;
    },
    pwm_duty: (pin: number, duty: number, set: number) => {
      if (set) {
        board.pwm.setDuty(pin, duty);
        out.viewDirty = true;
        afterPinChange();
      }
      return board.pwm.duty(pin) ?? 0;
    },
    // ADC(1): system_get_vdd33(), in 1/1024 V, when the init data says so (core.adcReadsVdd)
    adc_vdd: () => (core.adcReadsVdd ? Math.round(board.adc.vdd * 1024) : 65535),
    adc_read: () => {
      input.syncButtons();
      return board.adc.read();
    },
    timer_arm: (id: number, periodUs: number, periodic: number) => events.armTimer(id, periodUs, periodic === 1),
    timer_disarm: (id: number) => events.disarmTimer(id),
    reset_cause: () => core.resetCause,
    heap_used: () => heap.used().used,
    heap_info: () => {
      const h = heap.used();
      return `${h.used},${h.oneBlocks},${h.twoBlocks},${h.maxBlocks},${Math.floor((ESP_HEAP_BYTES - h.used) / 16)}`;
    },
    chip_id: () => CHIP_ID,
    // machine.mem8/16/32 (extmod/machine_mem.c): little-endian reads of MEM_REGISTERS (above),
    // other addresses read back what was written (0 before); the value crosses as a decimal string
    mem_read: (addr: number, size: number) => String(memRead(mem, addr >>> 0, size)),
    mem_write: (addr: number, size: number, value: number) => memWrite(mem, addr >>> 0, size, value >>> 0),
    // sys is a built-in module on the board: stores to it fail (py/objmodule.c, a fixed map)
    dict_fix: (addr: number) => {
      const interp = core.interp;
      if (!interp || addr <= 0 || addr + 8 > interp.memory.buffer.byteLength) return;
      const view = new DataView(interp.memory.buffer);
      view.setUint32(addr + 4, view.getUint32(addr + 4, true) | 2, true); // mp_map_t.is_fixed (py/obj.h)
    },
    flash_size: () => board.flash.size,
    flash_id: () => board.flash.jedecId(),
    flash_read: (addr: number, length: number) => toHex(board.flash.read(addr, length)),
    // esp.check_fw()'s MD5 (the firmware uses the SDK's MD5 in C; a Python one takes seconds here)
    flash_md5: (addr: number, length: number) => toHex(md5(board.flash.read(addr, length))),
    // cryptolib.aes (extmod/modcryptolib.c: axTLS's AES in C on the chip); the module checks key,
    // IV and block size first. CBC's chaining value is the caller's (it keeps the last block).
    aes: (keyHex: string, mode: number, ivHex: string, hex: string, encrypt: number) =>
      toHex(aes(fromHex(keyHex), mode === 2 ? 2 : 1, ivHex ? fromHex(ivHex) : null, fromHex(hex), Boolean(encrypt))),
    flash_write: (addr: number, hex: string) => {
      board.flash.program(addr, fromHex(hex));
    },
    flash_erase: (sector: number) => {
      board.flash.eraseSector(sector);
    },
    readline: () => input.readLine(),
    // sys.stdin reads (shared/runtime/sys_stdio_mphal.c stdio_read → mp_hal_stdin_rx_chr): a byte, -1 Ctrl-C, -2 no input while code runs
    stdin_read: () => {
      const c = input.readByte();
      return c === null ? -1 : c === false ? -2 : c;
    },
    webrepl_file_result: (ok: number, hex: string) => p.webreplResult(ok === 1, String(hex)),
    fw_stage: (name: string) => p.modules.stage(core.interp, name),
    fw_unstage: (name: string) => p.modules.unstage(core.interp, name),
    uart_write: (hex: string) => {
      // machine.UART(0).write(): straight onto UART0 TX (the REPL's line)
      out.filter.flush();
      board.uart0.transmit(fromHex(hex));
    },
    uart_any: () => {
      input.poll(false);
      return board.uart0.available();
    },
    uart_read: (n: number) => {
      input.poll(false);
      const bytes: number[] = [];
      const uart = board.uart0;
      while (bytes.length < n && uart.available() > 0) bytes.push(uart.read());
      return toHex(Uint8Array.from(bytes));
    },
    reset: () => {
      throw new HardResetRequest('machine.reset()');
    },
    // mp_sched_keyboard_interrupt(): a KeyboardInterrupt for the VM to raise at its next check
    kbd_schedule: () => core.interp?.scheduleKeyboardInterrupt(),
    // the running build: banner parts, release number (e.g. '1.28.0', for sys.implementation), filesystem
    identity: (key: string) => (key === 'machine' ? core.build.machine : key === 'version' ? core.build.version : key === 'release' ? core.build.release : key === 'vfs' && core.build.filesystem ? 'lfs2' : ''),
    user_start: () => core.build.userStart,
    // flashbdev.py: blocks from flash_user_start() (one more sector below 1 MB, kept for native
    // code), up to 20 KB before the end; no block device on a flash under 1 MB
    fs_region: () => {
      const size = board.flash.size;
      if (!core.build.filesystem || size < 0x100000) return null;
      let start = Math.floor(core.build.userStart / 4096);
      if (start < 256) start += 1;
      const count = Math.floor((size - SDK_PARAM_BYTES) / 4096) - start;
      return count > 0 ? [start, count] : null;
    },
    ...filesystemCalls(core),
    ...(fatCalls(() => core.fs, () => core.interp?.mp.FS as FinaliserFs | undefined) as Record<string, FirmwareCall>), // VfsFat on a program's block device (fat-vfs.ts)
  };
  // a flash write is done when the call returns (the page's storage keeps it: link/flash-file.ts)
  return guardedModule(calls, () => board.flash.settle());
}

/**
 * The mtime attribute the firmware's littlefs writes now (extmod/vfs_lfs.c lfs_get_mtime:
 * `time_ns()` since 1970, 8 bytes little-endian; the port's time_ns is the RTC's µs × 1000 from
 * 2000, esp_mphal.c). Made here so that no file call builds it on the program's heap.
 */
function mtimeNow(core: DeviceCore): Uint8Array {
  const ns = core.rtc.getUs() * 1000n + 946684800n * 1000000000n;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, ns), true);
  return out;
}

/** The running interpreter's memory, read when needed (a program's block device's piece buffers are in it). */
function interpMemory(core: DeviceCore): () => ArrayBufferLike {
  return () => {
    if (!core.interp) throw new Error('no interpreter');
    return core.interp.memory.buffer;
  };
}

/** littlefs on the board's flash (flash-fs.ts), errno-returning; the mounted set is `core.fs` (new at each boot). */
function filesystemCalls(core: DeviceCore): Record<string, FirmwareCall> {
  return {
    lfs_mkfs: (start: number, count: number) => core.fs.mkfs(start, count),
    lfs_mount: (start: number, count: number) => core.fs.mount(start, count),
    // a program's own block device (VfsLfs2(bdev)): its geometry from ioctl 5 and 4, and the
    // firmware's call into its readblocks/writeblocks/ioctl (flash-fs.ts UserBlockCall)
    lfs_mkfs_dev: (blockSize: number, blockCount: number, call: UserBlockCall) => core.fs.mkfsDevice(new UserBlockDevice(blockSize, blockCount, call, interpMemory(core))),
    lfs_mount_dev: (blockSize: number, blockCount: number, call: UserBlockCall) => core.fs.mountDevice(new UserBlockDevice(blockSize, blockCount, call, interpMemory(core))),
    lfs_umount: (id: number) => core.fs.umount(id),
    // mtime: 1 when the VFS keeps mtimes (the attribute is made here, at the call), else 0
    lfs_open: (id: number, path: string, mode: string, mtime?: number) => core.fs.open(id, path, mode, mtime ? mtimeNow(core) : undefined),
    lfs_read: (h: number, n: number) => {
      const r = core.fs.read(h, n);
      return typeof r === 'number' ? r : toHex(r);
    },
    lfs_write: (h: number, hex: string, mtime?: number) => core.fs.write(h, fromHex(hex), mtime ? mtimeNow(core) : undefined),
    lfs_seek: (h: number, offset: number, whence: number) => core.fs.seek(h, offset, whence),
    lfs_sync: (h: number) => core.fs.sync(h),
    lfs_close: (h: number) => core.fs.close(h),
    // entries as name NUL isDir NUL size, NUL-separated (names cannot hold NUL or '/')
    lfs_listdir: (id: number, path: string) => {
      const r = core.fs.listdir(id, path);
      return typeof r === 'number' ? r : r.map(([n, d, z]) => `${n}\0${d ? 1 : 0}\0${z}`).join('\0');
    },
    lfs_stat: (id: number, path: string) => {
      const r = core.fs.stat(id, path);
      return typeof r === 'number' ? r : `${r[0] ? 1 : 0}\0${r[1]}\0${r[2] ? toHex(r[2]) : ''}`;
    },
    lfs_remove: (id: number, path: string) => core.fs.remove(id, path),
    lfs_rename: (id: number, from: string, to: string) => core.fs.rename(id, from, to),
    lfs_mkdir: (id: number, path: string) => core.fs.mkdir(id, path),
    lfs_statvfs: (id: number) => {
      const r = core.fs.statvfs(id);
      return typeof r === 'number' ? r : r.join('\0');
    },
  };
}

/**
 * Wraps functions for the interpreter's JS bridge so that Python sees only these names: no
 * prototype chain (`.constructor` and the like are absent), no exceptions leaking JS objects
 * (a call that throws returns None; a {@link HardResetRequest} goes through, to abandon the
 * interpreter). The bridge calls methods as `f.call(self, ...args)`, so `call` is the one
 * property served. `after` runs when each call returns or throws.
 */
export function guardedModule(fns: Record<string, FirmwareCall>, after?: () => void): object {
  const wrapped = new Map<string, unknown>();
  for (const [name, fn] of Object.entries(fns)) {
    const invoke = (args: unknown[]): unknown => {
      try {
        const r = (fn as (...a: unknown[]) => unknown)(...args);
        return r === undefined ? null : r;
      } catch (e) {
        if (e instanceof HardResetRequest) throw e;
        return null;
      } finally {
        after?.();
      }
    };
    const call = new Proxy(() => undefined, {
      apply: (_t, _this, args: unknown[]) => invoke(args.slice(1)),
      get: () => undefined,
      has: () => false,
    });
    wrapped.set(name, new Proxy(() => undefined, {
      apply: (_t, _this, args: unknown[]) => invoke(args),
      get: (_t, key) => (key === 'call' ? call : undefined),
      has: () => false,
    }));
  }
  return new Proxy(Object.create(null) as object, {
    get: (_t, key) => (typeof key === 'string' ? wrapped.get(key) : undefined),
    has: (_t, key) => typeof key === 'string' && wrapped.has(key),
    ownKeys: () => [...wrapped.keys()],
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'string' && wrapped.has(key) ? { value: wrapped.get(key), enumerable: true, configurable: true, writable: false } : undefined,
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
    getPrototypeOf: () => null,
  });
}
