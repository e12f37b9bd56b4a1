/**
 * A FAT12/16/32 filesystem for `vfs.VfsFat` on a program's own block device, written from the
 * behaviour of the FatFs R0.13c copy MicroPython v1.27.0 builds (lib/oofatfs/ff.c, configured by
 * lib/oofatfs/ffconf.h and ports/esp8266/mpconfigport.h: long file names, relative paths,
 * `FF_FS_TINY` — one sector window for the volume and its files —, no exFAT, code page 437).
 * The algorithms follow that file function by function (names in the comments), so a volume
 * made here has the layout `f_mkfs(FM_FAT | FM_SFD)` gives (extmod/vfs_fat.c fat_vfs_mkfs, with
 * the `FM_FAT32` retry), files get their clusters in the order FatFs allocates them, and errors
 * are FatFs's FRESULT codes ({@link FR}), which `FRESULT_ERRNO` turns into the OSError numbers
 * of extmod/vfs_fat_file.c `fresult_to_errno_table`.
 *
 * Known differences: names are taken as bytes (UTF-8) without FatFs's code page 437
 * conversion, so a non-ASCII name's directory entries differ from the firmware's (it still
 * reads back as written); sectors are read and written one at a time (FatFs reads and writes
 * runs of whole sectors in one call); no file locking (`FF_FS_LOCK` is 0 there too).
 */

/** FatFs result codes (ff.h FRESULT). */
export const FR = {
  OK: 0, DISK_ERR: 1, INT_ERR: 2, NOT_READY: 3, NO_FILE: 4, NO_PATH: 5, INVALID_NAME: 6, DENIED: 7, EXIST: 8,
  INVALID_OBJECT: 9, WRITE_PROTECTED: 10, INVALID_DRIVE: 11, NOT_ENABLED: 12, NO_FILESYSTEM: 13, MKFS_ABORTED: 14,
  TIMEOUT: 15, LOCKED: 16, NOT_ENOUGH_CORE: 17, TOO_MANY_OPEN_FILES: 18, INVALID_PARAMETER: 19,
} as const;

/** errno of each FRESULT (extmod/vfs_fat_file.c fresult_to_errno_table). */
export const FRESULT_ERRNO = [0, 5, 5, 16, 2, 2, 22, 13, 17, 22, 30, 19, 19, 19, 5, 5, 5, 12, 24, 22];

/** A FatFs failure: `code` is the FRESULT ({@link FR}). */
export class FatError extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`FatFs error ${code}`);
    this.code = code;
  }
}

/**
 * The disk FatFs works on (extmod/vfs_fat_diskio.c over a program's readblocks/writeblocks/ioctl).
 * `read` and `write` throw {@link FatError}(FR.DISK_ERR) on a device error.
 */
export interface FatDisk {
  /** bytes per sector (ioctl 5, 512 when the device answers None); 512–4096, a power of two */
  readonly sectorSize: number;
  /** sectors (ioctl 4) */
  readonly sectorCount: number;
  /** false when the device has no writeblocks or is mounted readonly (STA_PROTECT) */
  readonly writable: boolean;
  read(sector: number): Uint8Array;
  write(sector: number, data: Uint8Array): void;
  /** CTRL_SYNC (ioctl 3, or the old protocol's sync()) */
  sync(): void;
  /** get_fattime(): the RTC as a FAT date and time (year-1980 << 25 | month << 21 | … | seconds / 2) */
  fattime(): number;
}

/** f_open mode bits (ff.h). */
export const FA = { READ: 0x01, WRITE: 0x02, CREATE_NEW: 0x04, CREATE_ALWAYS: 0x08, OPEN_ALWAYS: 0x10 } as const;
const FA_MODIFIED = 0x40;

const MAX_FAT12 = 0xff5;
const MAX_FAT16 = 0xfff5;
const MAX_FAT32 = 0x0ffffff5;
const MAX_DIR = 0x200000;
const AM_RDO = 0x01;
const AM_VOL = 0x08;
const AM_LFN = 0x0f;
const AM_DIR = 0x10;
const AM_ARC = 0x20;
const AM_MASK = 0x3f;
const DDEM = 0xe5;
const RDDEM = 0x05;
const LLEF = 0x40;
const NS_LOSS = 0x01;
const NS_LFN = 0x02;
const NS_LAST = 0x04;
const NS_BODY = 0x08;
const NS_EXT = 0x10;
const NS_DOT = 0x20;
const NS_NOLFN = 0x40;
const NS_NONAME = 0x80;
const MAX_LFN = 255;
/** the 13 UCS-2 characters' offsets in a long-name entry (ff.c LfnOfs) */
const LFN_OFS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
const EOC = 0xffffffff;

const ld16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const ld32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
function st16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}
function st32(b: Uint8Array, o: number, v: number): void {
  st16(b, o, v & 0xffff);
  st16(b, o + 2, (v >>> 16) & 0xffff);
}
const upper = (c: number) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c);

/** sum_sfn: the short name's checksum kept in its long-name entries. */
function sumSfn(b: Uint8Array, o = 0): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum >> 1) | (sum << 7)) + b[o + i]!) & 0xff;
  return sum;
}

/** A name as FatFs sees a `const char *` (UTF-8 bytes). */
function nameBytes(s: string): number[] {
  return [...new TextEncoder().encode(s)];
}

/** A directory position (ff.c DIR / FFOBJID). */
interface Dir {
  sclust: number; // start cluster (0: the root)
  attr: number; // the object's attribute, after follow_path
  dptr: number; // byte offset in the directory
  clust: number; // cluster of dptr (0 for the static root)
  sect: number; // sector of dptr (0: end)
  blkOfs: number; // offset of the first long-name entry of the last entry found, or EOC
  fn: Uint8Array; // the short name being looked for, and its NS flags at [11]
  lfn: number[]; // the long name being looked for / read
}

/** An open file (ff.c FIL). */
interface FatFile {
  sclust: number;
  size: number;
  flag: number;
  fptr: number;
  clust: number;
  sect: number;
  dirSect: number;
  dirOfs: number;
  closed: boolean;
  vol: FatVolume;
}

/** One entry as f_readdir / f_stat give it (FILINFO). */
export interface FatEntry {
  name: string;
  isDir: boolean;
  size: number;
  /** FAT date (fdate) and time (ftime) of the last change */
  date: number;
  time: number;
}

/** A mounted FAT volume (ff.c FATFS) with the operations VfsFat uses. */
export class FatVolume {
  private readonly disk: FatDisk;
  private readonly ss: number;
  private fsType = 0;
  private nFats = 1;
  private csize = 1;
  private nRootdir = 0;
  private nFatent = 0;
  private fsize = 0;
  private volbase = 0;
  private fatbase = 0;
  private dirbase = 0;
  private database = 0;
  private lastClst = EOC;
  private freeClst = EOC;
  private fsiFlag = 0x80;
  private cdir = 0;
  private win: Uint8Array;
  private winsect = EOC;
  private wflag = false;

  private constructor(disk: FatDisk) {
    this.disk = disk;
    this.ss = disk.sectorSize;
    this.win = new Uint8Array(this.ss);
  }

  /**
   * f_mount → find_volume: the FAT boot sector in sector 0, or in the first partition of an MBR
   * that holds one.
   * @throws FatError FR.NO_FILESYSTEM (ENODEV) if there is none, FR.DISK_ERR on a device error
   */
  static mount(disk: FatDisk): FatVolume {
    const ss = disk.sectorSize;
    if (ss < 512 || ss > 4096 || ss & (ss - 1)) throw new FatError(FR.DISK_ERR);
    const v = new FatVolume(disk);
    let bsect = 0;
    let fmt = v.checkFs(0);
    if (fmt === 2) {
      const br: number[] = [];
      for (let i = 0; i < 4; i++) {
        const pt = 446 + i * 16;
        br.push(v.win[pt + 4] ? ld32(v.win, pt + 8) : 0);
      }
      let i = 0;
      do {
        bsect = br[i]!;
        fmt = bsect ? v.checkFs(bsect) : 3;
      } while (fmt >= 2 && ++i < 4);
    }
    if (fmt === 4) throw new FatError(FR.DISK_ERR);
    if (fmt >= 2) throw new FatError(FR.NO_FILESYSTEM);
    const w = v.win;
    const nofs = () => new FatError(FR.NO_FILESYSTEM);
    if (ld16(w, 11) !== ss) throw nofs();
    let fasize = ld16(w, 22) || ld32(w, 36);
    v.fsize = fasize;
    v.nFats = w[16]!;
    if (v.nFats !== 1 && v.nFats !== 2) throw nofs();
    fasize *= v.nFats;
    v.csize = w[13]!;
    if (v.csize === 0 || v.csize & (v.csize - 1)) throw nofs();
    v.nRootdir = ld16(w, 17);
    if (v.nRootdir % (ss / 32)) throw nofs();
    const tsect = ld16(w, 19) || ld32(w, 32);
    const nrsv = ld16(w, 14);
    if (nrsv === 0) throw nofs();
    const sysect = nrsv + fasize + v.nRootdir / (ss / 32);
    if (tsect < sysect) throw nofs();
    const nclst = Math.floor((tsect - sysect) / v.csize);
    if (nclst === 0) throw nofs();
    fmt = nclst <= MAX_FAT12 ? 12 : nclst <= MAX_FAT16 ? 16 : nclst <= MAX_FAT32 ? 32 : 0;
    if (fmt === 0) throw nofs();
    v.nFatent = nclst + 2;
    v.volbase = bsect;
    v.fatbase = bsect + nrsv;
    v.database = bsect + sysect;
    let szbfat: number;
    if (fmt === 32) {
      if (ld16(w, 42) !== 0 || v.nRootdir !== 0) throw nofs();
      v.dirbase = ld32(w, 44);
      szbfat = v.nFatent * 4;
    } else {
      if (v.nRootdir === 0) throw nofs();
      v.dirbase = v.fatbase + fasize;
      szbfat = fmt === 16 ? v.nFatent * 2 : Math.floor((v.nFatent * 3) / 2) + (v.nFatent & 1);
    }
    if (v.fsize < Math.ceil(szbfat / ss)) throw nofs();
    if (fmt === 32 && ld16(w, 48) === 1) {
      v.moveWindow(bsect + 1);
      v.fsiFlag = 0;
      if (ld16(v.win, 510) === 0xaa55 && ld32(v.win, 0) === 0x41615252 && ld32(v.win, 484) === 0x61417272) {
        v.freeClst = ld32(v.win, 488);
        v.lastClst = ld32(v.win, 492);
      }
    }
    v.fsType = fmt;
    return v;
  }

  /** check_fs: 0 a FAT boot sector, 2 a boot record without FAT (an MBR), 3 none, 4 disk error. */
  private checkFs(sect: number): number {
    this.wflag = false;
    this.winsect = EOC;
    try {
      this.moveWindow(sect);
    } catch {
      return 4;
    }
    const w = this.win;
    if (ld16(w, 510) !== 0xaa55) return 3;
    if (w[0] === 0xe9 || w[0] === 0xeb || w[0] === 0xe8) {
      if ((ld32(w, 54) & 0xffffff) === 0x544146) return 0;
      if (ld32(w, 82) === 0x33544146) return 0;
    }
    return 2;
  }

  // ---- the sector window (FF_FS_TINY: the volume's and every file's one buffer) ----

  private syncWindow(): void {
    if (!this.wflag) return;
    const s = this.winsect;
    this.disk.write(s, this.win);
    this.wflag = false;
    if (s - this.fatbase < this.fsize && this.nFats === 2) this.disk.write(s + this.fsize, this.win);
  }

  private moveWindow(sect: number): void {
    if (sect === this.winsect) return;
    this.syncWindow();
    this.win = this.disk.read(sect).slice(0, this.ss);
    if (this.win.length < this.ss) throw new FatError(FR.DISK_ERR);
    this.winsect = sect;
  }

  /** sync_fs: the window, FSINFO of a FAT32 volume, then CTRL_SYNC. */
  private syncFs(): void {
    this.syncWindow();
    if (this.fsType === 32 && this.fsiFlag === 1) {
      const w = new Uint8Array(this.ss);
      st16(w, 510, 0xaa55);
      st32(w, 0, 0x41615252);
      st32(w, 484, 0x61417272);
      st32(w, 488, this.freeClst);
      st32(w, 492, this.lastClst);
      this.win = w;
      this.winsect = this.volbase + 1;
      this.disk.write(this.winsect, w);
      this.fsiFlag = 0;
    }
    this.disk.sync();
  }

  private clst2sect(c: number): number {
    c -= 2;
    return c >= this.nFatent - 2 ? 0 : this.database + this.csize * c;
  }

  // ---- the FAT ----

  /** get_fat: 1 for an out-of-range cluster (internal error). */
  private getFat(c: number): number {
    if (c < 2 || c >= this.nFatent) return 1;
    const ss = this.ss;
    if (this.fsType === 12) {
      let bc = c + (c >> 1);
      this.moveWindow(this.fatbase + Math.floor(bc / ss));
      let wc = this.win[bc++ % ss]!;
      this.moveWindow(this.fatbase + Math.floor(bc / ss));
      wc |= this.win[bc % ss]! << 8;
      return c & 1 ? wc >> 4 : wc & 0xfff;
    }
    if (this.fsType === 16) {
      this.moveWindow(this.fatbase + Math.floor(c / (ss / 2)));
      return ld16(this.win, (c * 2) % ss);
    }
    this.moveWindow(this.fatbase + Math.floor(c / (ss / 4)));
    return ld32(this.win, (c * 4) % ss) & 0x0fffffff;
  }

  private putFat(c: number, val: number): void {
    if (c < 2 || c >= this.nFatent) throw new FatError(FR.INT_ERR);
    const ss = this.ss;
    if (this.fsType === 12) {
      let bc = c + (c >> 1);
      this.moveWindow(this.fatbase + Math.floor(bc / ss));
      let i = bc++ % ss;
      this.win[i] = c & 1 ? (this.win[i]! & 0x0f) | ((val << 4) & 0xf0) : val & 0xff;
      this.wflag = true;
      this.moveWindow(this.fatbase + Math.floor(bc / ss));
      i = bc % ss;
      this.win[i] = c & 1 ? (val >> 4) & 0xff : (this.win[i]! & 0xf0) | ((val >> 8) & 0x0f);
    } else if (this.fsType === 16) {
      this.moveWindow(this.fatbase + Math.floor(c / (ss / 2)));
      st16(this.win, (c * 2) % ss, val & 0xffff);
    } else {
      this.moveWindow(this.fatbase + Math.floor(c / (ss / 4)));
      const o = (c * 4) % ss;
      st32(this.win, o, ((val & 0x0fffffff) | (ld32(this.win, o) & 0xf0000000)) >>> 0);
    }
    this.wflag = true;
  }

  /** create_chain: a new cluster after `clst` (0: a new chain); 0 when the disk is full. */
  private createChain(clst: number): number {
    let scl: number;
    if (clst === 0) {
      scl = this.lastClst;
      if (scl === 0 || scl >= this.nFatent) scl = 1;
    } else {
      const cs = this.getFat(clst);
      if (cs < 2) return 1;
      if (cs < this.nFatent) return cs;
      scl = clst;
    }
    if (this.freeClst === 0) return 0;
    let ncl = 0;
    if (scl === clst) {
      ncl = scl + 1;
      if (ncl >= this.nFatent) ncl = 2;
      const cs = this.getFat(ncl);
      if (cs === 1) return cs;
      if (cs !== 0) {
        const lc = this.lastClst;
        if (lc >= 2 && lc < this.nFatent) scl = lc;
        ncl = 0;
      }
    }
    if (ncl === 0) {
      ncl = scl;
      for (;;) {
        ncl++;
        if (ncl >= this.nFatent) {
          ncl = 2;
          if (ncl > scl) return 0;
        }
        const cs = this.getFat(ncl);
        if (cs === 0) break;
        if (cs === 1) return cs;
        if (ncl === scl) return 0;
      }
    }
    this.putFat(ncl, EOC);
    if (clst !== 0) this.putFat(clst, ncl);
    this.lastClst = ncl;
    if (this.freeClst <= this.nFatent - 2) this.freeClst--;
    this.fsiFlag |= 1;
    return ncl;
  }

  /** remove_chain: frees the chain from `clst`; `pclst` (if not 0) becomes its end. */
  private removeChain(clst: number, pclst: number): void {
    if (clst < 2 || clst >= this.nFatent) throw new FatError(FR.INT_ERR);
    if (pclst !== 0) this.putFat(pclst, EOC);
    do {
      const nxt = this.getFat(clst);
      if (nxt === 0) break;
      if (nxt === 1) throw new FatError(FR.INT_ERR);
      this.putFat(clst, 0);
      if (this.freeClst < this.nFatent - 2) {
        this.freeClst++;
        this.fsiFlag |= 1;
      }
      clst = nxt;
    } while (clst < this.nFatent);
  }

  private checkChain(c: number): number {
    if (c === 1) throw new FatError(FR.INT_ERR);
    return c;
  }

  // ---- directories ----

  private ldClust(b: Uint8Array, o: number): number {
    let c = ld16(b, o + 26);
    if (this.fsType === 32) c = (c | (ld16(b, o + 20) << 16)) >>> 0;
    return c;
  }

  private stClust(b: Uint8Array, o: number, c: number): void {
    st16(b, o + 26, c & 0xffff);
    if (this.fsType === 32) st16(b, o + 20, c >>> 16);
  }

  private newDir(sclust: number): Dir {
    return { sclust, attr: 0, dptr: 0, clust: 0, sect: 0, blkOfs: EOC, fn: new Uint8Array(12), lfn: [] };
  }

  /** dir_sdi */
  private dirSdi(dp: Dir, ofs: number): void {
    if (ofs >= MAX_DIR || ofs % 32) throw new FatError(FR.INT_ERR);
    dp.dptr = ofs;
    let clst = dp.sclust;
    if (clst === 0 && this.fsType === 32) clst = this.dirbase;
    let sect: number;
    if (clst === 0) {
      if (ofs / 32 >= this.nRootdir) throw new FatError(FR.INT_ERR);
      sect = this.dirbase;
    } else {
      const csz = this.csize * this.ss;
      while (ofs >= csz) {
        clst = this.getFat(clst);
        if (clst < 2 || clst >= this.nFatent) throw new FatError(FR.INT_ERR);
        ofs -= csz;
      }
      sect = this.clst2sect(clst);
    }
    dp.clust = clst;
    if (!sect) throw new FatError(FR.INT_ERR);
    dp.sect = sect + Math.floor(ofs / this.ss);
  }

  /** dir_next: false at the end (FR_NO_FILE); with `stretch` a cluster directory grows. */
  private dirNext(dp: Dir, stretch: boolean): boolean {
    const ofs = dp.dptr + 32;
    if (dp.sect === 0) return false;
    if (ofs >= MAX_DIR) {
      dp.sect = 0;
      return false;
    }
    if (ofs % this.ss === 0) {
      dp.sect++;
      if (dp.clust === 0) {
        if (ofs / 32 >= this.nRootdir) {
          dp.sect = 0;
          return false;
        }
      } else if ((ofs / this.ss) % this.csize === 0) {
        let clst = this.getFat(dp.clust);
        if (clst <= 1) throw new FatError(FR.INT_ERR);
        if (clst >= this.nFatent) {
          if (!stretch) {
            dp.sect = 0;
            return false;
          }
          clst = this.createChain(dp.clust);
          if (clst === 0) throw new FatError(FR.DENIED);
          this.checkChain(clst);
          this.dirClear(clst);
        }
        dp.clust = clst;
        dp.sect = this.clst2sect(clst);
      }
    }
    dp.dptr = ofs;
    return true;
  }

  /** dir_clear: fills a cluster with zeros, the window left on its first sector. */
  private dirClear(clst: number): void {
    this.syncWindow();
    const sect = this.clst2sect(clst);
    this.winsect = sect;
    this.win = new Uint8Array(this.ss);
    for (let n = 0; n < this.csize; n++) this.disk.write(sect + n, this.win);
  }

  private entOfs(dp: Dir): number {
    return dp.dptr % this.ss;
  }

  /** dir_alloc: `n` free entries in a row; the last of them is where dp ends. */
  private dirAlloc(dp: Dir, n: number): void {
    this.dirSdi(dp, 0);
    let count = 0;
    for (;;) {
      this.moveWindow(dp.sect);
      const c = this.win[this.entOfs(dp)]!;
      if (c === DDEM || c === 0) {
        if (++count === n) return;
      } else count = 0;
      if (!this.dirNext(dp, true)) throw new FatError(FR.DENIED);
    }
  }

  /** pick_lfn: this entry's part of the long name into dp.lfn. */
  private pickLfn(lfn: number[], o: number): boolean {
    const w = this.win;
    if (ld16(w, o + 26) !== 0) return false;
    let i = ((w[o]! & ~LLEF) - 1) * 13;
    let wc = 1;
    for (const off of LFN_OFS) {
      const uc = ld16(w, o + off);
      if (wc) {
        if (i >= MAX_LFN) return false;
        lfn[i++] = wc = uc;
      } else if (uc !== 0xffff) return false;
    }
    if (w[o]! & LLEF) {
      if (i >= MAX_LFN) return false;
      lfn[i] = 0;
      lfn.length = i + 1;
    }
    return true;
  }

  /** dir_read (files, not the volume label): false at the end. */
  private dirRead(dp: Dir): boolean {
    let ord = 0xff;
    let sum = 0xff;
    while (dp.sect) {
      this.moveWindow(dp.sect);
      const o = this.entOfs(dp);
      let c = this.win[o]!;
      if (c === 0) {
        dp.sect = 0;
        return false;
      }
      const a = this.win[o + 11]! & AM_MASK;
      dp.attr = a;
      if (c === DDEM || c === 0x2e || ((a & ~AM_ARC) === AM_VOL) !== false) {
        ord = 0xff;
      } else if (a === AM_LFN) {
        if (c & LLEF) {
          sum = this.win[o + 13]!;
          c &= ~LLEF;
          ord = c;
          dp.blkOfs = dp.dptr;
        }
        ord = c === ord && sum === this.win[o + 13] && this.pickLfn(dp.lfn, o) ? ord - 1 : 0xff;
      } else {
        if (ord !== 0 || sum !== sumSfn(this.win, o)) dp.blkOfs = EOC;
        return true;
      }
      if (!this.dirNext(dp, false)) return false;
    }
    return false;
  }

  /** cmp_lfn: does this entry hold its part of dp.lfn (case-insensitive)? */
  private cmpLfn(lfn: number[], o: number): boolean {
    const w = this.win;
    if (ld16(w, o + 26) !== 0) return false;
    let i = ((w[o]! & 0x3f) - 1) * 13;
    let wc = 1;
    for (const off of LFN_OFS) {
      const uc = ld16(w, o + off);
      if (wc) {
        if (i >= MAX_LFN + 1 || upper(uc) !== upper(lfn[i++] ?? 0)) return false;
        wc = uc;
      } else if (uc !== 0xffff) return false;
    }
    if (w[o]! & LLEF && wc && (lfn[i] ?? 0)) return false;
    return true;
  }

  /** dir_find: false if not there (FR_NO_FILE). */
  private dirFind(dp: Dir): boolean {
    this.dirSdi(dp, 0);
    let ord = 0xff;
    let sum = 0xff;
    dp.blkOfs = EOC;
    do {
      this.moveWindow(dp.sect);
      const o = this.entOfs(dp);
      let c = this.win[o]!;
      if (c === 0) {
        dp.sect = 0;
        return false;
      }
      const a = this.win[o + 11]! & AM_MASK;
      dp.attr = a;
      if (c === DDEM || (a & AM_VOL && a !== AM_LFN)) {
        ord = 0xff;
        dp.blkOfs = EOC;
      } else if (a === AM_LFN) {
        if (!(dp.fn[11]! & NS_NOLFN)) {
          if (c & LLEF) {
            sum = this.win[o + 13]!;
            c &= ~LLEF;
            ord = c;
            dp.blkOfs = dp.dptr;
          }
          ord = c === ord && sum === this.win[o + 13] && this.cmpLfn(dp.lfn, o) ? ord - 1 : 0xff;
        }
      } else {
        if (ord === 0 && sum === sumSfn(this.win, o)) return true;
        if (!(dp.fn[11]! & NS_LOSS) && this.win.subarray(o, o + 11).every((b, i) => b === dp.fn[i])) return true;
        ord = 0xff;
        dp.blkOfs = EOC;
      }
    } while (this.dirNext(dp, false));
    return false;
  }

  /** dir_register: makes the entries of dp.fn / dp.lfn; dp is left on the short-name entry. */
  private dirRegister(dp: Dir): void {
    if (dp.fn[11]! & (NS_DOT | NS_NONAME)) throw new FatError(FR.INVALID_NAME);
    let len = 0;
    while (dp.lfn[len]) len++;
    const sn = dp.fn.slice();
    if (sn[11]! & NS_LOSS) {
      dp.fn[11] = NS_NOLFN;
      let n = 1;
      for (; n < 100; n++) {
        genNumname(dp.fn, sn, dp.lfn, n);
        if (!this.dirFind(dp)) break;
      }
      if (n === 100) throw new FatError(FR.DENIED);
      dp.fn[11] = sn[11]!;
    }
    let nent = sn[11]! & NS_LFN ? Math.floor((len + 12) / 13) + 1 : 1;
    this.dirAlloc(dp, nent);
    if (--nent) {
      this.dirSdi(dp, dp.dptr - nent * 32);
      const sum = sumSfn(dp.fn);
      do {
        this.moveWindow(dp.sect);
        putLfn(dp.lfn, this.win, this.entOfs(dp), nent, sum);
        this.wflag = true;
        this.dirNext(dp, false);
      } while (--nent);
    }
    this.moveWindow(dp.sect);
    const o = this.entOfs(dp);
    this.win.fill(0, o, o + 32);
    this.win.set(dp.fn.subarray(0, 11), o);
    this.win[o + 12] = dp.fn[11]! & (NS_BODY | NS_EXT);
    this.wflag = true;
  }

  /** dir_remove: marks the entry and its long-name entries deleted. */
  private dirRemove(dp: Dir): void {
    const last = dp.dptr;
    if (dp.blkOfs !== EOC) this.dirSdi(dp, dp.blkOfs);
    for (;;) {
      this.moveWindow(dp.sect);
      this.win[this.entOfs(dp)] = DDEM;
      this.wflag = true;
      if (dp.dptr >= last) break;
      if (!this.dirNext(dp, false)) throw new FatError(FR.INT_ERR);
    }
  }

  /** get_fileinfo */
  private fileInfo(dp: Dir): FatEntry {
    const w = this.win;
    const o = this.entOfs(dp);
    let bytes: number[] = [];
    if (dp.blkOfs !== EOC) {
      for (const c of dp.lfn) {
        if (!c) break;
        bytes.push(c < 0x100 ? c : 0x3f);
      }
    }
    if (!bytes.length) {
      bytes = [];
      const nt = w[o + 12]!;
      for (let i = 0; i < 11; i++) {
        let c = w[o + i]!;
        if (c === 0x20) continue;
        if (c === RDDEM) c = DDEM;
        if (i === 8) bytes.push(0x2e);
        if (c >= 0x41 && c <= 0x5a && nt & (i >= 8 ? NS_EXT : NS_BODY)) c += 0x20;
        bytes.push(c);
      }
    }
    return {
      name: new TextDecoder().decode(Uint8Array.from(bytes)),
      isDir: (w[o + 11]! & AM_DIR) !== 0,
      size: ld32(w, o + 28),
      date: ld16(w, o + 24),
      time: ld16(w, o + 22),
    };
  }

  /** follow_path: dp ends on the object (its entry in the window) or throws FR_NO_FILE/NO_PATH. */
  private followPath(path: string): { dp: Dir; found: boolean } {
    let p = nameBytes(path);
    let i = 0;
    const dp = this.newDir(this.cdir);
    if (p[0] === 0x2f || p[0] === 0x5c) {
      while (p[i] === 0x2f || p[i] === 0x5c) i++;
      dp.sclust = 0;
    }
    p = p.slice(i);
    if (!p.length || p[0]! < 0x20) {
      dp.fn[11] = NS_NONAME;
      dp.attr = AM_DIR;
      this.dirSdi(dp, 0);
      return { dp, found: true };
    }
    let at = 0;
    for (;;) {
      at = createName(dp, p, at);
      const ok = this.dirFind(dp);
      const ns = dp.fn[11]!;
      if (!ok) {
        if (ns & NS_DOT) {
          if (!(ns & NS_LAST)) continue;
          dp.fn[11] = NS_NONAME;
          dp.attr = AM_DIR;
          return { dp, found: true };
        }
        if (!(ns & NS_LAST)) throw new FatError(FR.NO_PATH);
        return { dp, found: false };
      }
      if (ns & NS_LAST) return { dp, found: true };
      if (!(dp.attr & AM_DIR)) throw new FatError(FR.NO_PATH);
      dp.sclust = this.ldClust(this.win, this.entOfs(dp));
    }
  }

  private writable(): void {
    if (!this.disk.writable) throw new FatError(FR.WRITE_PROTECTED);
  }

  // ---- the operations (ff.c f_*) ----

  /** f_open. @throws FatError */
  open(path: string, mode: number): FatFile {
    if (mode & ~FA.READ) this.writable();
    const { dp, found } = this.followPath(path);
    if (found && dp.fn[11]! & NS_NONAME) throw new FatError(FR.INVALID_NAME);
    if (mode & (FA.CREATE_ALWAYS | FA.OPEN_ALWAYS | FA.CREATE_NEW)) {
      if (!found) {
        this.dirRegister(dp);
        mode |= FA.CREATE_ALWAYS;
      } else if (dp.attr & (AM_RDO | AM_DIR)) throw new FatError(FR.DENIED);
      else if (mode & FA.CREATE_NEW) throw new FatError(FR.EXIST);
      if (mode & FA.CREATE_ALWAYS) {
        const dw = this.disk.fattime();
        const o = this.entOfs(dp);
        st32(this.win, o + 14, dw);
        st32(this.win, o + 22, dw);
        this.win[o + 11] = AM_ARC;
        const cl = this.ldClust(this.win, o);
        this.stClust(this.win, o, 0);
        st32(this.win, o + 28, 0);
        this.wflag = true;
        if (cl !== 0) {
          const dw2 = this.winsect;
          this.removeChain(cl, 0);
          this.moveWindow(dw2);
          this.lastClst = cl - 1;
        }
      }
    } else {
      if (!found) throw new FatError(FR.NO_FILE);
      if (dp.attr & AM_DIR) throw new FatError(FR.NO_FILE);
      if (mode & FA.WRITE && dp.attr & AM_RDO) throw new FatError(FR.DENIED);
    }
    if (mode & FA.CREATE_ALWAYS) mode |= FA_MODIFIED;
    const o = this.entOfs(dp);
    return {
      sclust: this.ldClust(this.win, o),
      size: ld32(this.win, o + 28),
      flag: mode,
      fptr: 0,
      clust: 0,
      sect: 0,
      dirSect: this.winsect,
      dirOfs: o,
      closed: false,
      vol: this,
    };
  }

  private validate(fp: FatFile): void {
    if (fp.closed || fp.vol !== this) throw new FatError(FR.INVALID_OBJECT);
  }

  /** f_read. @throws FatError (FR.DENIED without read access, FR.INVALID_OBJECT once closed) */
  read(fp: FatFile, btr: number): Uint8Array {
    this.validate(fp);
    if (!(fp.flag & FA.READ)) throw new FatError(FR.DENIED);
    const remain = fp.size - fp.fptr;
    if (btr > remain) btr = remain;
    const out = new Uint8Array(Math.max(0, btr));
    let at = 0;
    while (at < out.length) {
      if (fp.fptr % this.ss === 0) {
        const csect = Math.floor(fp.fptr / this.ss) & (this.csize - 1);
        if (csect === 0) {
          const clst = fp.fptr === 0 ? fp.sclust : this.getFat(fp.clust);
          if (clst < 2) throw new FatError(FR.INT_ERR);
          fp.clust = clst;
        }
        const sect = this.clst2sect(fp.clust);
        if (!sect) throw new FatError(FR.INT_ERR);
        fp.sect = sect + csect;
      }
      const rcnt = Math.min(this.ss - (fp.fptr % this.ss), out.length - at);
      this.moveWindow(fp.sect);
      out.set(this.win.subarray(fp.fptr % this.ss, (fp.fptr % this.ss) + rcnt), at);
      at += rcnt;
      fp.fptr += rcnt;
    }
    return out;
  }

  /** f_write: the count written (less than asked when the disk is full). @throws FatError */
  write(fp: FatFile, data: Uint8Array): number {
    this.validate(fp);
    if (!(fp.flag & FA.WRITE)) throw new FatError(FR.DENIED);
    let btw = Math.min(data.length, 0xffffffff - fp.fptr);
    let at = 0;
    try {
      while (btw) {
        if (fp.fptr % this.ss === 0) {
          const csect = Math.floor(fp.fptr / this.ss) & (this.csize - 1);
          if (csect === 0) {
            let clst: number;
            if (fp.fptr === 0) {
              clst = fp.sclust;
              if (clst === 0) clst = this.createChain(0);
            } else clst = this.createChain(fp.clust);
            if (clst === 0) break;
            this.checkChain(clst);
            fp.clust = clst;
            if (fp.sclust === 0) fp.sclust = clst;
          }
          if (this.winsect === fp.sect) this.syncWindow();
          const sect = this.clst2sect(fp.clust);
          if (!sect) throw new FatError(FR.INT_ERR);
          fp.sect = sect + csect;
          if (fp.fptr >= fp.size) {
            // f_write (tiny): a sector past the end is not read; the window takes it as it is
            this.syncWindow();
            this.winsect = fp.sect;
          }
        }
        const wcnt = Math.min(this.ss - (fp.fptr % this.ss), btw);
        this.moveWindow(fp.sect);
        this.win.set(data.subarray(at, at + wcnt), fp.fptr % this.ss);
        this.wflag = true;
        at += wcnt;
        btw -= wcnt;
        fp.fptr += wcnt;
        if (fp.fptr > fp.size) fp.size = fp.fptr;
      }
    } finally {
      fp.flag |= FA_MODIFIED;
    }
    return at;
  }

  /** f_lseek (no fast seek): past the end only with write access, which allocates clusters. */
  seek(fp: FatFile, ofs: number): number {
    this.validate(fp);
    ofs >>>= 0;
    if (ofs > fp.size && !(fp.flag & FA.WRITE)) ofs = fp.size;
    const ifptr = fp.fptr;
    fp.fptr = 0;
    let nsect = 0;
    if (ofs) {
      const bcs = this.csize * this.ss;
      let clst: number;
      if (ifptr > 0 && Math.floor((ofs - 1) / bcs) >= Math.floor((ifptr - 1) / bcs)) {
        fp.fptr = (ifptr - 1) - ((ifptr - 1) % bcs);
        ofs -= fp.fptr;
        clst = fp.clust;
      } else {
        clst = fp.sclust;
        if (clst === 0) {
          clst = this.checkChain(this.createChain(0));
          fp.sclust = clst;
        }
        fp.clust = clst;
      }
      if (clst !== 0) {
        while (ofs > bcs) {
          ofs -= bcs;
          fp.fptr += bcs;
          if (fp.flag & FA.WRITE) {
            clst = this.createChain(clst);
            if (clst === 0) {
              ofs = 0;
              break;
            }
          } else clst = this.getFat(clst);
          if (clst <= 1 || clst >= this.nFatent) throw new FatError(FR.INT_ERR);
          fp.clust = clst;
        }
        fp.fptr += ofs;
        if (ofs % this.ss) {
          nsect = this.clst2sect(clst);
          if (!nsect) throw new FatError(FR.INT_ERR);
          nsect += Math.floor(ofs / this.ss);
        }
      }
    }
    if (fp.fptr > fp.size) {
      fp.size = fp.fptr;
      fp.flag |= FA_MODIFIED;
    }
    if (fp.fptr % this.ss && nsect !== fp.sect) fp.sect = nsect;
    return fp.fptr;
  }

  /** f_sync: the directory entry (size, start cluster, mtime from the RTC), then sync_fs. */
  sync(fp: FatFile): void {
    this.validate(fp);
    if (!(fp.flag & FA_MODIFIED)) return;
    const tm = this.disk.fattime();
    this.moveWindow(fp.dirSect);
    const o = fp.dirOfs;
    this.win[o + 11] = this.win[o + 11]! | AM_ARC;
    this.stClust(this.win, o, fp.sclust);
    st32(this.win, o + 28, fp.size);
    st32(this.win, o + 22, tm);
    st16(this.win, o + 18, 0);
    this.wflag = true;
    this.syncFs();
    fp.flag &= ~FA_MODIFIED;
  }

  /** f_close */
  close(fp: FatFile): void {
    this.sync(fp);
    fp.closed = true;
  }

  /** f_opendir + f_readdir until the end: the entries, without `.` and `..`. */
  listdir(path: string): FatEntry[] {
    const { dp, found } = this.followPath(path);
    if (!found) throw new FatError(FR.NO_PATH);
    if (!(dp.fn[11]! & NS_NONAME)) {
      if (!(dp.attr & AM_DIR)) throw new FatError(FR.NO_PATH);
      dp.sclust = this.ldClust(this.win, this.entOfs(dp));
    }
    this.dirSdi(dp, 0);
    const out: FatEntry[] = [];
    for (;;) {
      dp.lfn = [];
      if (!this.dirRead(dp)) break;
      out.push(this.fileInfo(dp));
      if (!this.dirNext(dp, false)) break;
    }
    return out;
  }

  /** f_stat (FR_INVALID_NAME for the directory a path starts from). */
  stat(path: string): FatEntry {
    const { dp, found } = this.followPath(path);
    if (!found) throw new FatError(FR.NO_FILE);
    if (dp.fn[11]! & NS_NONAME) throw new FatError(FR.INVALID_NAME);
    return this.fileInfo(dp);
  }

  /** f_unlink: a file, or an empty directory that is not the current one. */
  unlink(path: string): void {
    this.writable();
    const { dp, found } = this.followPath(path);
    if (!found) throw new FatError(FR.NO_FILE);
    if (dp.fn[11]! & (NS_DOT | NS_NONAME)) throw new FatError(FR.INVALID_NAME);
    if (dp.attr & AM_RDO) throw new FatError(FR.DENIED);
    const dclst = this.ldClust(this.win, this.entOfs(dp));
    if (dp.attr & AM_DIR) {
      if (dclst === this.cdir) throw new FatError(FR.DENIED);
      const sdj = this.newDir(dclst);
      this.dirSdi(sdj, 0);
      if (this.dirRead(sdj)) throw new FatError(FR.DENIED);
    }
    this.dirRemove(dp);
    if (dclst !== 0) this.removeChain(dclst, 0);
    this.syncFs();
  }

  /** f_mkdir */
  mkdir(path: string): void {
    this.writable();
    const { dp, found } = this.followPath(path);
    if (found) throw new FatError(FR.EXIST);
    if (dp.fn[11]! & NS_DOT) throw new FatError(FR.INVALID_NAME);
    const dcl = this.createChain(0);
    if (dcl === 0) throw new FatError(FR.DENIED);
    this.checkChain(dcl);
    this.syncWindow();
    const tm = this.disk.fattime();
    try {
      this.dirClear(dcl);
      const w = this.win;
      w.fill(0x20, 0, 11);
      w[0] = 0x2e;
      w[11] = AM_DIR;
      st32(w, 22, tm);
      this.stClust(w, 0, dcl);
      w.copyWithin(32, 0, 32);
      w[33] = 0x2e;
      let pcl = dp.sclust;
      if (this.fsType === 32 && pcl === this.dirbase) pcl = 0;
      this.stClust(w, 32, pcl);
      this.wflag = true;
      this.dirRegister(dp);
    } catch (e) {
      this.removeChain(dcl, 0);
      throw e;
    }
    const o = this.entOfs(dp);
    st32(this.win, o + 22, tm);
    this.stClust(this.win, o, dcl);
    this.win[o + 11] = AM_DIR;
    this.wflag = true;
    this.syncFs();
  }

  /** f_rename: FR_EXIST if the new name is taken (vfs_fat.c then removes a file there and retries). */
  rename(from: string, to: string): void {
    this.writable();
    const { dp: djo, found } = this.followPath(from);
    if (!found) throw new FatError(FR.NO_FILE);
    if (djo.fn[11]! & (NS_DOT | NS_NONAME)) throw new FatError(FR.INVALID_NAME);
    const buf = this.win.slice(this.entOfs(djo), this.entOfs(djo) + 32);
    const { dp: djn, found: exists } = this.followPath(to);
    if (exists) {
      if (!(djn.sclust === djo.sclust && djn.dptr === djo.dptr)) throw new FatError(FR.EXIST);
    }
    this.dirRegister(djn);
    const o = this.entOfs(djn);
    this.win.set(buf.subarray(13), o + 13);
    this.win[o + 11] = buf[11]! | (buf[11]! & AM_DIR ? 0 : AM_ARC);
    this.wflag = true;
    if (this.win[o + 11]! & AM_DIR && djo.sclust !== djn.sclust) {
      const sect = this.clst2sect(this.ldClust(this.win, o));
      if (!sect) throw new FatError(FR.INT_ERR);
      this.moveWindow(sect);
      if (this.win[33] === 0x2e) {
        this.stClust(this.win, 32, djn.sclust);
        this.wflag = true;
      }
    }
    this.dirRemove(djo);
    this.syncFs();
  }

  /** f_chdir: FR_NO_PATH for a file or a missing directory. */
  chdir(path: string): void {
    let r: { dp: Dir; found: boolean };
    try {
      r = this.followPath(path);
    } catch (e) {
      if (e instanceof FatError && e.code === FR.NO_FILE) throw new FatError(FR.NO_PATH);
      throw e;
    }
    const { dp, found } = r;
    if (!found) throw new FatError(FR.NO_PATH);
    if (dp.fn[11]! & NS_NONAME) {
      this.cdir = dp.sclust;
    } else if (dp.attr & AM_DIR) {
      this.cdir = this.ldClust(this.win, this.entOfs(dp));
    } else throw new FatError(FR.NO_PATH);
  }

  /** f_getcwd: the path walked up through each directory's `..` entry. */
  getcwd(): string {
    let path = '';
    let ccl = this.cdir;
    while (ccl !== 0) {
      const dj = this.newDir(ccl);
      this.dirSdi(dj, 32);
      this.moveWindow(dj.sect);
      dj.sclust = this.ldClust(this.win, this.entOfs(dj));
      this.dirSdi(dj, 0);
      let name = '';
      for (;;) {
        dj.lfn = [];
        if (!this.dirRead(dj)) throw new FatError(FR.NO_PATH);
        if (ccl === this.ldClust(this.win, this.entOfs(dj))) {
          name = this.fileInfo(dj).name;
          break;
        }
        if (!this.dirNext(dj, false)) throw new FatError(FR.NO_PATH);
      }
      path = '/' + name + path;
      ccl = dj.sclust;
    }
    return path || '/';
  }

  /** f_getfree plus the geometry: `[cluster bytes, clusters, free clusters]` (vfs_fat.c statvfs). */
  statvfs(): [number, number, number] {
    let nfree: number;
    if (this.freeClst <= this.nFatent - 2) nfree = this.freeClst;
    else {
      nfree = 0;
      if (this.fsType === 12) {
        for (let c = 2; c < this.nFatent; c++) {
          const s = this.getFat(c);
          if (s === 1) throw new FatError(FR.INT_ERR);
          if (s === 0) nfree++;
        }
      } else {
        const step = this.fsType === 16 ? 2 : 4;
        let sect = this.fatbase;
        let i = 0;
        for (let c = this.nFatent; c > 0; c--) {
          if (i % this.ss === 0) {
            this.moveWindow(sect++);
            i = 0;
          }
          const v = step === 2 ? ld16(this.win, i) : ld32(this.win, i) & 0x0fffffff;
          if (v === 0) nfree++;
          i += step;
        }
      }
      this.freeClst = nfree;
      this.fsiFlag |= 1;
    }
    return [this.csize * this.ss, this.nFatent - 2, nfree];
  }

  /** FAT12, 16 or 32. */
  get type(): number {
    return this.fsType;
  }

  /**
   * f_mkfs(opt, au = 0) with MicroPython's 4096-byte work buffer: `FM_FAT | FM_SFD` (sfd true,
   * FAT12/16 from sector 0) or `FM_FAT32` (sfd false: an MBR and the volume from sector 63).
   * @throws FatError FR.MKFS_ABORTED when the disk is too small or too large for the type,
   *   FR.NOT_READY / FR.WRITE_PROTECTED for a device that failed to start or cannot be written
   */
  static mkfs(disk: FatDisk, fat32: boolean): void {
    if (!disk.writable) throw new FatError(FR.WRITE_PROTECTED);
    const ss = disk.sectorSize;
    if (ss < 512 || ss > 4096 || ss & (ss - 1)) throw new FatError(FR.DISK_ERR);
    const nFats = 1;
    const nRootdir = 512;
    const szBuf = Math.floor(4096 / ss);
    const sfd = !fat32;
    const bVol = sfd ? 0 : 63;
    let szVol = disk.sectorCount;
    if (szVol < bVol) throw new FatError(FR.MKFS_ABORTED);
    szVol -= bVol;
    if (szVol < 22) throw new FatError(FR.MKFS_ABORTED);
    let fmt = fat32 ? 32 : 16;
    let au = 0;
    let pau: number;
    let nClst: number;
    let szFat: number;
    let szRsv: number;
    let szDir: number;
    let bFat: number;
    let bData: number;
    for (;;) {
      pau = au;
      if (fmt === 32) {
        if (pau === 0) {
          const n = Math.floor(szVol / 0x20000);
          pau = 1;
          for (const c of [1, 2, 4, 8, 16, 32]) if (c <= n) pau <<= 1; else break;
        }
        nClst = Math.floor(szVol / pau);
        szFat = Math.floor((nClst * 4 + 8 + ss - 1) / ss);
        szRsv = 32;
        szDir = 0;
        if (nClst <= MAX_FAT16 || nClst > MAX_FAT32) throw new FatError(FR.MKFS_ABORTED);
      } else {
        if (pau === 0) {
          const n = Math.floor(szVol / 0x1000);
          pau = 1;
          for (const c of [1, 4, 16, 64, 256, 512]) if (c <= n) pau <<= 1; else break;
        }
        nClst = Math.floor(szVol / pau);
        let n: number;
        if (nClst > MAX_FAT12) n = nClst * 2 + 4;
        else {
          fmt = 12;
          n = Math.floor((nClst * 3 + 1) / 2) + 3;
        }
        szFat = Math.floor((n + ss - 1) / ss);
        szRsv = 1;
        szDir = (nRootdir * 32) / ss;
      }
      bFat = bVol + szRsv;
      bData = bFat + szFat * nFats + szDir;
      if (szVol < bData + pau * 16 - bVol) throw new FatError(FR.MKFS_ABORTED);
      nClst = Math.floor((szVol - szRsv - szFat * nFats - szDir) / pau);
      if (fmt === 32 && nClst <= MAX_FAT16) {
        if (au === 0 && (au = pau >> 1) !== 0) continue;
        throw new FatError(FR.MKFS_ABORTED);
      }
      if (fmt === 16) {
        if (nClst > MAX_FAT16) {
          if (au === 0 && pau * 2 <= 64) {
            au = pau * 2;
            continue;
          }
          if (au === 0 && (au = pau * 2) <= 128) continue;
          throw new FatError(FR.MKFS_ABORTED);
        }
        if (nClst <= MAX_FAT12) {
          if (au === 0 && (au = pau * 2) <= 128) continue;
          throw new FatError(FR.MKFS_ABORTED);
        }
      }
      if (fmt === 12 && nClst > MAX_FAT12) throw new FatError(FR.MKFS_ABORTED);
      break;
    }
    // the volume boot record
    const buf = new Uint8Array(ss);
    buf.set([0xeb, 0xfe, 0x90, ...nameBytes('MSDOS5.0')], 0);
    st16(buf, 11, ss);
    buf[13] = pau;
    st16(buf, 14, szRsv);
    buf[16] = nFats;
    st16(buf, 17, fmt === 32 ? 0 : nRootdir);
    if (szVol < 0x10000) st16(buf, 19, szVol);
    else st32(buf, 32, szVol);
    buf[21] = 0xf8;
    st16(buf, 24, 63);
    st16(buf, 26, 255);
    st32(buf, 28, bVol);
    if (fmt === 32) {
      st32(buf, 67, disk.fattime());
      st32(buf, 36, szFat);
      st32(buf, 44, 2);
      st16(buf, 48, 1);
      st16(buf, 50, 6);
      buf[64] = 0x80;
      buf[66] = 0x29;
      buf.set(nameBytes('NO NAME    FAT32   '), 71);
    } else {
      st32(buf, 39, disk.fattime());
      st16(buf, 22, szFat);
      buf[36] = 0x80;
      buf[38] = 0x29;
      buf.set(nameBytes('NO NAME    FAT     '), 43);
    }
    st16(buf, 510, 0xaa55);
    disk.write(bVol, buf);
    if (fmt === 32) {
      disk.write(bVol + 6, buf);
      const fsi = new Uint8Array(ss);
      st32(fsi, 0, 0x41615252);
      st32(fsi, 484, 0x61417272);
      st32(fsi, 488, nClst - 1);
      st32(fsi, 492, 2);
      st16(fsi, 510, 0xaa55);
      disk.write(bVol + 7, fsi);
      disk.write(bVol + 1, fsi);
    }
    // the FAT(s), then the root directory, all zero but the first entries
    let sect = bFat;
    for (let i = 0; i < nFats; i++) {
      const first = new Uint8Array(ss);
      if (fmt === 32) {
        st32(first, 0, 0xfffffff8);
        st32(first, 4, 0xffffffff);
        st32(first, 8, 0x0fffffff);
      } else st32(first, 0, fmt === 12 ? 0xfffff8 : 0xfffffff8);
      for (let n = 0; n < szFat; n++) disk.write(sect++, n === 0 ? first : new Uint8Array(ss));
    }
    const nsect = fmt === 32 ? pau : szDir;
    for (let n = 0; n < nsect; n++) disk.write(sect++, new Uint8Array(ss));
    void szBuf;
    if (!sfd) {
      const sys = fmt === 32 ? 0x0c : szVol >= 0x10000 ? 0x06 : fmt === 16 ? 0x04 : 0x01;
      const mbr = new Uint8Array(ss);
      st16(mbr, 510, 0xaa55);
      const pte = 446;
      mbr[pte + 1] = 1;
      mbr[pte + 2] = 1;
      mbr[pte + 4] = sys;
      const n = Math.floor((bVol + szVol) / (63 * 255));
      mbr[pte + 5] = 254;
      mbr[pte + 6] = ((n >> 2) & 0xc0) | 63;
      mbr[pte + 7] = n & 0xff;
      st32(mbr, pte + 8, bVol);
      st32(mbr, pte + 12, szVol);
      disk.write(0, mbr);
    }
    disk.sync();
  }
}

/** put_lfn: one long-name entry (order `ord`, 1-based) of `lfn` at `o`. */
function putLfn(lfn: number[], w: Uint8Array, o: number, ord: number, sum: number): void {
  w[o + 13] = sum;
  w[o + 11] = AM_LFN;
  w[o + 12] = 0;
  st16(w, o + 26, 0);
  let i = (ord - 1) * 13;
  let wc = 0;
  for (const off of LFN_OFS) {
    if (wc !== 0xffff) wc = lfn[i++] ?? 0;
    st16(w, o + off, wc);
    if (wc === 0) wc = 0xffff;
  }
  if (wc === 0xffff || !lfn[i]) ord |= LLEF;
  w[o] = ord;
}

/** gen_numname: `BODY~n` (a hash of the long name from the sixth try on). */
function genNumname(dst: Uint8Array, src: Uint8Array, lfn: number[], seq: number): void {
  dst.set(src.subarray(0, 11));
  if (seq > 5) {
    let sr = seq;
    for (const c0 of lfn) {
      if (!c0) break;
      let wc = c0;
      for (let i = 0; i < 16; i++) {
        sr = (sr << 1) + (wc & 1);
        wc >>= 1;
        if (sr & 0x10000) sr ^= 0x11021;
      }
    }
    seq = sr & 0xffff;
  }
  const ns = new Array<number>(8).fill(0);
  let i = 7;
  do {
    let c = (seq % 16) + 0x30;
    if (c > 0x39) c += 7;
    ns[i--] = c;
    seq = Math.floor(seq / 16);
  } while (seq);
  ns[i] = 0x7e;
  let j = 0;
  while (j < i && dst[j] !== 0x20) j++;
  do {
    dst[j++] = i < 8 ? ns[i++]! : 0x20;
  } while (j < 8);
}

/**
 * create_name: the next path segment of `p` from `at` into dp.lfn and its short form into
 * dp.fn (NS flags at [11]). @returns where the next segment starts
 * @throws FatError FR.INVALID_NAME
 */
function createName(dp: Dir, p: number[], at: number): number {
  const lfn: number[] = [];
  let wc = 0;
  for (;;) {
    wc = p[at++] ?? 0;
    if (wc < 0x20 || wc === 0x2f || wc === 0x5c) break;
    if (wc < 0x80 && '"*:<>?|\x7f'.includes(String.fromCharCode(wc))) throw new FatError(FR.INVALID_NAME);
    if (lfn.length >= MAX_LFN) throw new FatError(FR.INVALID_NAME);
    lfn.push(wc);
  }
  let cf: number;
  if (wc < 0x20) {
    cf = NS_LAST;
    at--;
  } else {
    while (p[at] === 0x2f || p[at] === 0x5c) at++;
    cf = 0;
    if ((p[at] ?? 0) < 0x20) cf = NS_LAST;
  }
  let di = lfn.length;
  dp.lfn = lfn;
  if ((di === 1 && lfn[0] === 0x2e) || (di === 2 && lfn[0] === 0x2e && lfn[1] === 0x2e)) {
    lfn.push(0);
    for (let i = 0; i < 11; i++) dp.fn[i] = i < di ? 0x2e : 0x20;
    dp.fn[11] = cf | NS_DOT;
    return at;
  }
  while (di && (lfn[di - 1] === 0x20 || lfn[di - 1] === 0x2e)) di--;
  lfn.length = di;
  lfn.push(0);
  if (di === 0) throw new FatError(FR.INVALID_NAME);
  let si = 0;
  while (lfn[si] === 0x20) si++;
  if (si > 0 || lfn[si] === 0x2e) cf |= NS_LOSS | NS_LFN;
  while (di > 0 && lfn[di - 1] !== 0x2e) di--;
  dp.fn.fill(0x20, 0, 11);
  let i = 0;
  let b = 0;
  let ni = 8;
  for (;;) {
    let c = lfn[si++]!;
    if (c === 0) break;
    if (c === 0x20 || (c === 0x2e && si !== di)) {
      cf |= NS_LOSS | NS_LFN;
      continue;
    }
    if (i >= ni || si === di) {
      if (ni === 11) {
        cf |= NS_LOSS | NS_LFN;
        break;
      }
      if (si !== di) cf |= NS_LOSS | NS_LFN;
      if (si > di) break;
      si = di;
      i = 8;
      ni = 11;
      b <<= 2;
      continue;
    }
    if (c >= 0x80) cf |= NS_LFN;
    else if ('+,;=[]'.includes(String.fromCharCode(c))) {
      c = 0x5f;
      cf |= NS_LOSS | NS_LFN;
    } else if (c >= 0x41 && c <= 0x5a) b |= 2;
    else if (c >= 0x61 && c <= 0x7a) {
      b |= 1;
      c -= 0x20;
    }
    dp.fn[i++] = c;
  }
  if (dp.fn[0] === DDEM) dp.fn[0] = RDDEM;
  if (ni === 8) b <<= 2;
  if ((b & 0x0c) === 0x0c || (b & 0x03) === 0x03) cf |= NS_LFN;
  if (!(cf & NS_LFN)) {
    if (b & 0x01) cf |= NS_EXT;
    if (b & 0x04) cf |= NS_BODY;
  }
  dp.fn[11] = cf;
  return at;
}

/** FAT date and time as seconds since 2000 (vfs_fat.c stat: timeutils_seconds_since_epoch, the port's 2000 epoch). */
export function fatTimeToSeconds(date: number, time: number): number {
  const y = 1980 + ((date >> 9) & 0x7f);
  const mo = (date >> 5) & 0x0f;
  const d = date & 0x1f;
  const ms = Date.UTC(y, mo - 1, d, (time >> 11) & 0x1f, (time >> 5) & 0x3f, 2 * (time & 0x1f));
  return Math.floor((ms - Date.UTC(2000, 0, 1)) / 1000);
}

export type { FatFile };
