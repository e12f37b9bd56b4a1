/**
 * The ESP-07's external SPI NOR flash (4 MB by default; 1 MB and 512 KB options).
 *
 * NOR semantics, as every SPI flash the ESP8266 uses behaves (e.g. Winbond W25Q32 datasheet §8.2,
 * "Page Program", "Sector Erase"): erasing a 4 KB sector sets every byte to 0xFF; programming can
 * only clear bits (new = old AND data); reading returns what is stored. The contents live in a
 * buffer the host may share, so they survive the emulator thread being replaced (hard reset).
 */
export const SECTOR_BYTES = 4096;

/** Flash sizes the board options offer, in bytes. */
export const FLASH_SIZES = { '512K': 512 * 1024, '1M': 1024 * 1024, '4M': 4 * 1024 * 1024 } as const;

/**
 * JEDEC ids as `esp.flash_id()` reports them: (capacity << 16) | (type << 8) | manufacturer.
 * Winbond W25Q-series parts of each size (capacity code = log2(bytes)).
 */
const JEDEC: Record<number, number> = {
  [FLASH_SIZES['512K']]: (0x13 << 16) | (0x40 << 8) | 0xef,
  [FLASH_SIZES['1M']]: (0x14 << 16) | (0x40 << 8) | 0xef,
  [FLASH_SIZES['4M']]: (0x16 << 16) | (0x40 << 8) | 0xef,
};

export class SpiFlash {
  /** The flash contents. */
  readonly bytes: Uint8Array;
  /** Size in bytes. */
  readonly size: number;
  /** Counts erases and programs: a change tells that the contents changed (for saving them). */
  writes = 0;
  /** Told of each change: bytes [addr, addr + length) were erased or programmed. */
  private readonly writeListeners = new Set<(addr: number, length: number) => void>();
  /** Told when the code that wrote the flash returned (see {@link settle}). */
  private readonly settleListeners = new Set<() => void>();
  /** Writes happened since the last {@link settle}. */
  private unsettled = false;

  /**
   * @param storage buffer holding the contents (its whole length is the flash size); a fresh,
   *   erased 4 MB flash when omitted
   * @throws RangeError if the size is not a whole number of sectors
   */
  constructor(storage?: ArrayBufferLike) {
    this.bytes = storage ? new Uint8Array(storage) : new Uint8Array(FLASH_SIZES['4M']).fill(0xff);
    this.size = this.bytes.length;
    if (this.size === 0 || this.size % SECTOR_BYTES !== 0) throw new RangeError(`flash size ${this.size} is not a whole number of 4 KB sectors`);
  }

  /** Allocates erased storage for a flash of `size` bytes, shared when possible. */
  static createStorage(size: number, shared: boolean): ArrayBufferLike {
    const buf = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
    new Uint8Array(buf).fill(0xff);
    return buf;
  }

  /**
   * Subscribes to changes: `fn(addr, length)` after each erase or program, with the bytes it may
   * have changed, in the order they happen (the host's storage keeps them, link/flash-file.ts).
   * @returns unsubscribe
   */
  onWrite(fn: (addr: number, length: number) => void): () => void {
    this.writeListeners.add(fn);
    return () => this.writeListeners.delete(fn);
  }

  /** Subscribes to {@link settle} (after writes only). @returns unsubscribe */
  onSettle(fn: () => void): () => void {
    this.settleListeners.add(fn);
    return () => this.settleListeners.delete(fn);
  }

  /**
   * Marks the end of an operation that may have written the flash (a firmware call returns):
   * the settle listeners run if anything was written since the last call. The chip itself keeps
   * no state for it; on the real part every write is done when its command completes.
   */
  settle(): void {
    if (!this.unsettled) return;
    this.unsettled = false;
    for (const fn of this.settleListeners) fn();
  }

  /** JEDEC id as `esp.flash_id()` returns it. */
  jedecId(): number {
    return JEDEC[this.size] ?? ((Math.log2(this.size) << 16) | (0x40 << 8) | 0xef);
  }

  /**
   * Reads `length` bytes at `addr`.
   * @throws RangeError outside the flash
   */
  read(addr: number, length: number): Uint8Array {
    this.check(addr, length);
    return this.bytes.slice(addr, addr + length);
  }

  /** Sets the 4 KB sector `sector` to 0xFF. @throws RangeError outside the flash */
  eraseSector(sector: number): void {
    this.check(sector * SECTOR_BYTES, SECTOR_BYTES);
    this.bytes.fill(0xff, sector * SECTOR_BYTES, (sector + 1) * SECTOR_BYTES);
    this.changed(sector * SECTOR_BYTES, SECTOR_BYTES);
  }

  /** Programs `data` at `addr`: bits can only go from 1 to 0. @throws RangeError outside the flash */
  program(addr: number, data: Uint8Array): void {
    this.check(addr, data.length);
    for (let i = 0; i < data.length; i++) this.bytes[addr + i] = (this.bytes[addr + i] as number) & (data[i] as number);
    if (data.length > 0) this.changed(addr, data.length);
    else this.writes++;
  }

  /** Erases the whole chip. */
  eraseAll(): void {
    this.bytes.fill(0xff);
    this.changed(0, this.size);
  }

  private changed(addr: number, length: number): void {
    this.writes++;
    this.unsettled = true;
    for (const fn of this.writeListeners) fn(addr, length);
  }

  private check(addr: number, length: number): void {
    if (!Number.isInteger(addr) || !Number.isInteger(length) || addr < 0 || length < 0 || addr + length > this.size) {
      throw new RangeError(`flash access ${addr}+${length} outside 0..${this.size}`);
    }
  }
}
