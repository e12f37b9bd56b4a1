/**
 * fatfs.ts against what FatFs R0.13c (lib/oofatfs/ff.c of MicroPython v1.27.0) does: the layout
 * f_mkfs(FM_FAT | FM_SFD) and f_mkfs(FM_FAT32) write, names (8.3 with case flags, long names,
 * numbered short names), allocation, errors. Expected numbers are worked out from ff.c by hand
 * (comments give the arithmetic) or are those MicroPython's own tests print on a board
 * (tests/extmod/vfs_fat_ramdisk.py.exp, vfs_blockdev.py.exp, vfs_fat_ramdisklarge.py.exp).
 */
import { describe, expect, it } from 'vitest';
import { FA, FatError, FatVolume, FR, fatTimeToSeconds, type FatDisk } from './fatfs.ts';

/** 2025-06-01 12:34:56 as a FAT date and time */
const T = ((2025 - 1980) << 25) | (6 << 21) | (1 << 16) | (12 << 11) | (34 << 5) | (56 >> 1);

class RamDisk implements FatDisk {
  readonly sectorSize: number;
  readonly sectorCount: number;
  writable = true;
  readonly data: Uint8Array | Map<number, Uint8Array>;
  reads = 0;
  writes = 0;
  syncs = 0;
  time = T;
  constructor(count: number, ss = 512, sparse = false) {
    this.sectorSize = ss;
    this.sectorCount = count;
    this.data = sparse ? new Map() : new Uint8Array(count * ss);
  }
  read(s: number): Uint8Array {
    this.reads++;
    if (this.data instanceof Map) return (this.data.get(s) ?? new Uint8Array(this.sectorSize)).slice();
    return this.data.slice(s * this.sectorSize, (s + 1) * this.sectorSize);
  }
  write(s: number, d: Uint8Array): void {
    this.writes++;
    if (this.data instanceof Map) this.data.set(s, d.slice());
    else this.data.set(d, s * this.sectorSize);
  }
  sync(): void {
    this.syncs++;
  }
  fattime(): number {
    return this.time;
  }
  sector(s: number): Uint8Array {
    return this.read(s);
  }
}

const ascii = (b: Uint8Array) => String.fromCharCode(...b);
const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (u16(b, o) | (u16(b, o + 2) << 16)) >>> 0;

function fresh(count = 50): { disk: RamDisk; v: FatVolume } {
  const disk = new RamDisk(count);
  FatVolume.mkfs(disk, false);
  return { disk, v: FatVolume.mount(disk) };
}

function writeFile(v: FatVolume, name: string, text: string): void {
  const f = v.open(name, FA.WRITE | FA.CREATE_ALWAYS);
  v.write(f, new TextEncoder().encode(text));
  v.close(f);
}

function readFile(v: FatVolume, name: string): string {
  const f = v.open(name, FA.READ);
  const b = v.read(f, 1 << 20);
  v.close(f);
  return new TextDecoder().decode(b);
}

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof FatError) return e.code;
    throw e;
  }
  return FR.OK;
}

describe('f_mkfs(FM_FAT | FM_SFD) on a 50-sector disk', () => {
  // 50 sectors: au 1, 50 clusters -> FAT12, FAT 1 sector, 1 reserved, root 32 sectors,
  // data from sector 34, (50 - 34) / 1 = 16 clusters (statvfs in vfs_fat_ramdisk.py.exp)
  const { disk, v } = fresh();
  const vbr = disk.sector(0);

  it('writes the boot sector FatFs writes', () => {
    expect([...vbr.subarray(0, 3)]).toEqual([0xeb, 0xfe, 0x90]);
    expect(ascii(vbr.subarray(3, 11))).toBe('MSDOS5.0');
    expect(u16(vbr, 11)).toBe(512); // bytes per sector
    expect(vbr[13]).toBe(1); // sectors per cluster
    expect(u16(vbr, 14)).toBe(1); // reserved
    expect(vbr[16]).toBe(1); // one FAT (n_fats = 1 in MicroPython's ff.c)
    expect(u16(vbr, 17)).toBe(512); // root entries
    expect(u16(vbr, 19)).toBe(50);
    expect(vbr[21]).toBe(0xf8);
    expect(u16(vbr, 22)).toBe(1); // FAT sectors
    expect(u16(vbr, 24)).toBe(63);
    expect(u16(vbr, 26)).toBe(255);
    expect(u32(vbr, 39)).toBe(T); // volume serial number: get_fattime()
    expect(ascii(vbr.subarray(43, 62))).toBe('NO NAME    FAT     ');
    expect(u16(vbr, 510)).toBe(0xaa55);
  });

  it('starts the FAT with F8 FF FF (FAT12 entries 0 and 1)', () => {
    expect([...disk.sector(1).subarray(0, 4)]).toEqual([0xf8, 0xff, 0xff, 0]);
  });

  it('is FAT12 with 16 free clusters of 512 bytes', () => {
    expect(v.type).toBe(12);
    expect(v.statvfs()).toEqual([512, 16, 16]);
  });

  it('syncs the device at the end (CTRL_SYNC)', () => {
    expect(disk.syncs).toBeGreaterThan(0);
  });
});

describe('FAT32 when FAT16 cannot hold the disk', () => {
  it('4 GiB: FatFs gives up FAT16 (FR_MKFS_ABORTED) and FM_FAT32 makes an MBR and 131054 clusters of 32 KiB', () => {
    const disk = new RamDisk((4 * 1024 * 1024 * 1024) / 512, 512, true);
    expect(code(() => FatVolume.mkfs(disk, false))).toBe(FR.MKFS_ABORTED);
    expect(disk.writes).toBe(0);
    FatVolume.mkfs(disk, true);
    const mbr = disk.sector(0);
    expect(mbr[446 + 4]).toBe(0x0c); // FAT32X
    expect(u32(mbr, 446 + 8)).toBe(63);
    const v = FatVolume.mount(disk);
    expect(v.type).toBe(32);
    // vfs_fat_ramdisklarge.py.exp: (32768, 32768, 131054, 131053, ...), then 131052 after one file
    expect(v.statvfs()).toEqual([32768, 131054, 131053]);
    writeFile(v, 'test.txt', 'test file');
    expect(v.statvfs()).toEqual([32768, 131054, 131052]);
    // the free count is in FSINFO: a new mount reads it without a FAT scan
    const again = FatVolume.mount(disk);
    expect(again.statvfs()).toEqual([32768, 131054, 131052]);
    expect(readFile(again, 'test.txt')).toBe('test file');
  });

  it('a disk too small for either is FR_MKFS_ABORTED', () => {
    expect(code(() => FatVolume.mkfs(new RamDisk(30), false))).toBe(FR.MKFS_ABORTED);
    expect(code(() => FatVolume.mkfs(new RamDisk(30), true))).toBe(FR.MKFS_ABORTED);
  });
});

describe('names', () => {
  it('a lower-case 8.3 name is one entry with the NT case flags (no long name)', () => {
    const { disk, v } = fresh();
    writeFile(v, 'foo_file.txt', 'hello!');
    const root = disk.sector(2);
    expect(ascii(root.subarray(0, 11))).toBe('FOO_FILETXT');
    expect(root[12]).toBe(0x18); // NS_BODY | NS_EXT
    expect(root[32]).toBe(0); // nothing after it
    expect(v.listdir('')).toMatchObject([{ name: 'foo_file.txt', isDir: false, size: 6 }]);
  });

  it('a mixed-case name gets a long-name entry; lookups ignore case', () => {
    const { disk, v } = fresh();
    writeFile(v, 'Hello.txt', 'x');
    const root = disk.sector(2);
    expect(root[0]).toBe(0x41); // LLEF | 1
    expect(root[11]).toBe(0x0f);
    expect(ascii(root.subarray(32, 43))).toBe('HELLO   TXT');
    expect(v.listdir('/')[0]!.name).toBe('Hello.txt');
    expect(readFile(v, 'HELLO.TXT')).toBe('x');
  });

  it('a long name gets a numbered short name, ~1 then ~2', () => {
    const { disk, v } = fresh();
    writeFile(v, 'a long file name.txt', '1');
    writeFile(v, 'a long file name 2.txt', '2');
    const names = [] as string[];
    const root = disk.sector(2);
    for (let o = 0; o < 512; o += 32) if (root[o] && root[o + 11] !== 0x0f) names.push(ascii(root.subarray(o, o + 11)));
    expect(names).toEqual(['ALONGF~1TXT', 'ALONGF~2TXT']);
    expect(v.listdir('').map((e) => e.name)).toEqual(['a long file name.txt', 'a long file name 2.txt']);
  });

  it('rejects characters FatFs rejects (FR_INVALID_NAME)', () => {
    const { v } = fresh();
    expect(code(() => v.open('a*b', FA.WRITE | FA.CREATE_ALWAYS))).toBe(FR.INVALID_NAME);
    expect(code(() => v.mkdir('x?'))).toBe(FR.INVALID_NAME);
  });
});

describe('files and directories', () => {
  it('writes clusters in order, reads back, appends and seeks', () => {
    const { v } = fresh();
    const f = v.open('f', FA.WRITE | FA.READ | FA.CREATE_ALWAYS);
    const data = Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff);
    expect(v.write(f, data)).toBe(1500);
    expect(v.seek(f, 0)).toBe(0);
    expect([...v.read(f, 1500)]).toEqual([...data]);
    expect(v.seek(f, 1000)).toBe(1000);
    expect(v.read(f, 2)).toEqual(Uint8Array.of(1000 & 0xff, 1001 & 0xff));
    v.close(f);
    expect(v.statvfs()[2]).toBe(16 - 3);
    expect(v.stat('f').size).toBe(1500);
  });

  it('a read-only seek past the end stops at the end; a closed file is FR_INVALID_OBJECT', () => {
    const { v } = fresh();
    writeFile(v, 'f', 'abc');
    const f = v.open('f', FA.READ);
    expect(v.seek(f, 100)).toBe(3);
    v.close(f);
    expect(code(() => v.read(f, 1))).toBe(FR.INVALID_OBJECT);
    expect(code(() => v.write(f, Uint8Array.of(1)))).toBe(FR.INVALID_OBJECT);
  });

  it('without read access reading is FR_DENIED; x on an existing file FR_EXIST; a missing file FR_NO_FILE', () => {
    const { v } = fresh();
    const f = v.open('f', FA.WRITE | FA.CREATE_ALWAYS);
    expect(code(() => v.read(f, 1))).toBe(FR.DENIED);
    v.close(f);
    expect(code(() => v.open('f', FA.WRITE | FA.CREATE_NEW))).toBe(FR.EXIST);
    expect(code(() => v.open('nope', FA.READ))).toBe(FR.NO_FILE);
    expect(code(() => v.open('nodir/f', FA.READ))).toBe(FR.NO_PATH);
  });

  it('a full disk: the write stops short', () => {
    const { v } = fresh();
    const f = v.open('big', FA.WRITE | FA.CREATE_ALWAYS);
    expect(v.write(f, new Uint8Array(17 * 512))).toBe(16 * 512);
    v.close(f);
    expect(v.statvfs()[2]).toBe(0);
  });

  it('mkdir makes . and .. ; rmdir of a non-empty directory is FR_DENIED; chdir and getcwd walk the tree', () => {
    const { v } = fresh();
    v.mkdir('Dir');
    v.mkdir('Dir/sub');
    expect(code(() => v.mkdir('Dir'))).toBe(FR.EXIST);
    expect(code(() => v.mkdir(''))).toBe(FR.EXIST);
    writeFile(v, 'Dir/sub/f.txt', 'x');
    expect(code(() => v.unlink('Dir/sub'))).toBe(FR.DENIED);
    v.chdir('dir/SUB');
    expect(v.getcwd()).toBe('/Dir/sub');
    expect(readFile(v, 'f.txt')).toBe('x');
    v.chdir('..');
    expect(v.getcwd()).toBe('/Dir');
    expect(code(() => v.chdir('sub/f.txt'))).toBe(FR.NO_PATH);
    v.chdir('/');
    expect(v.getcwd()).toBe('/');
    v.unlink('Dir/sub/f.txt');
    v.unlink('Dir/sub');
    expect(v.listdir('Dir')).toEqual([]);
  });

  it('rename across directories keeps the data; onto an existing name it is FR_EXIST', () => {
    const { v } = fresh();
    v.mkdir('d');
    writeFile(v, 'd/a.txt', 'data');
    writeFile(v, 'b.txt', 'other');
    expect(code(() => v.rename('d/a.txt', 'b.txt'))).toBe(FR.EXIST);
    v.rename('d/a.txt', 'moved.txt');
    expect(v.listdir('d')).toEqual([]);
    expect(readFile(v, 'moved.txt')).toBe('data');
  });

  it('the mtime is the RTC at the last write (2-second steps)', () => {
    const { disk, v } = fresh();
    writeFile(v, 'f', 'x');
    const e = v.stat('f');
    expect(fatTimeToSeconds(e.date, e.time)).toBe(Date.UTC(2025, 5, 1, 12, 34, 56) / 1000 - 946684800);
    disk.time = T + 1;
    writeFile(v, 'g', 'y');
    expect(v.stat('g').time - v.stat('f').time).toBe(1);
  });

  it('a write-protected disk: FR_WRITE_PROTECTED for changes, reads still work', () => {
    const { disk, v } = fresh();
    writeFile(v, 'f', 'x');
    disk.writable = false;
    expect(code(() => v.open('g', FA.WRITE | FA.CREATE_ALWAYS))).toBe(FR.WRITE_PROTECTED);
    expect(code(() => v.mkdir('d'))).toBe(FR.WRITE_PROTECTED);
    expect(readFile(v, 'f')).toBe('x');
  });

  it('a disk without a FAT volume is FR_NO_FILESYSTEM', () => {
    expect(code(() => FatVolume.mount(new RamDisk(50)))).toBe(FR.NO_FILESYSTEM);
  });

  it('a directory grows by a cluster when its entries fill one', () => {
    const { v } = fresh(200);
    v.mkdir('d');
    for (let i = 0; i < 20; i++) writeFile(v, `d/f${i}`, String(i));
    expect(v.listdir('d').map((e) => e.name)).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}`));
    expect(readFile(v, 'd/f19')).toBe('19');
  });
});
