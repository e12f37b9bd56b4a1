/**
 * littlefs v2 (on-disk version 2.1), the filesystem MicroPython's ESP8266 port keeps in SPI flash
 * (`vfs.VfsLfs2`), written from the littlefs specification (littlefs-project/littlefs SPEC.md,
 * DESIGN.md). Section names below ("SPEC: Metadata pairs", ...) refer to SPEC.md headings.
 *
 * Configuration matches MicroPython v1.27 `extmod/vfs_lfsx.c` (`init_config`) with the littlefs
 * v2.11 it pins (`lib/littlefs/lfs2.c`, `LFS2_DISK_VERSION 0x00020001`):
 * read_size 32, prog_size 32, lookahead 32 bytes (256 blocks), cache_size min(block, 4*32) = 128,
 * name_max 255, file_max 2147483647, attr_max 1022, inline_max min(cache, attr_max, block/8) = 128,
 * block_cycles 100 (only used to seed revision counts; wear-levelling relocation is not done).
 *
 * Structure of this file: on-disk helpers (CRC, tags) → metadata pairs (fetch = replay the log;
 * commit = append, else compact, else split) → global state → block allocator (lookahead window
 * over a traversal) → CTZ skip-lists → paths → the public {@link LittleFs} class.
 */

/** What littlefs needs from the flash: erase sets a block to 0xFF; prog on NOR can only clear bits. */
export interface LfsBlockDevice {
  /** Erase-block size in bytes (4096 on the ESP8266). */
  readonly blockSize: number;
  /** Number of blocks the filesystem spans (763 on a 4 MB board, 98 on 1 MB). */
  readonly blockCount: number;
  /** Bytes `[offset, offset+length)` of `block`; the caller does not modify the result. */
  read(block: number, offset: number, length: number): Uint8Array;
  /** Program `data` at `offset` in `block` (NOR: new = old AND data). */
  prog(block: number, offset: number, data: Uint8Array): void;
  /** Set every byte of `block` to 0xFF. */
  erase(block: number): void;
}

/** POSIX errno values as MicroPython raises them (`OSError(-err)` of littlefs's negative codes). */
export const LFS_ERRNO = {
  EIO: 5,
  ENOENT: 2,
  EBADF: 9,
  ENOMEM: 12,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  ENAMETOOLONG: 36,
  ENOTEMPTY: 39,
  /** LFS_ERR_CORRUPT = -84 (EILSEQ): MicroPython reports `OSError(84)` for a corrupt/blank device. */
  ECORRUPT: 84,
} as const;

/**
 * A failed filesystem operation. `errno` is the positive POSIX number MicroPython's VfsLfs2 puts
 * in its OSError: ENOENT 2, EIO 5, EBADF 9, EEXIST 17, ENOTDIR 20, EISDIR 21, EINVAL 22, EFBIG 27,
 * ENOSPC 28, ENAMETOOLONG 36, ENOTEMPTY 39, and 84 (littlefs's LFS_ERR_CORRUPT, = EILSEQ) for a
 * corrupt or unformatted device.
 */
export class LfsError extends Error {
  /** Positive errno, see {@link LFS_ERRNO}. */
  readonly errno: number;
  /**
   * @param errno positive errno
   * @param message human-readable detail (defaults to the errno)
   */
  constructor(errno: number, message?: string) {
    super(message === undefined ? `[Errno ${errno}]` : `[Errno ${errno}] ${message}`);
    this.name = 'LfsError';
    this.errno = errno;
  }
}

// ---------------------------------------------------------------------------------------------
// On-disk constants (SPEC: Metadata tags, Metadata types)

const BLOCK_NULL = 0xffffffff;
const DISK_VERSION = 0x00020001;
const NAME_MAX = 255;
const FILE_MAX = 2147483647;
const ATTR_MAX = 1022;
const READ_SIZE = 32;
const PROG_SIZE = 32;
const LOOKAHEAD_BYTES = 32;
const BLOCK_CYCLES = 100;

const T_REG = 0x001;
const T_DIR = 0x002;
const T_SUPERBLOCK = 0x0ff;
const T_DIRSTRUCT = 0x200;
const T_INLINESTRUCT = 0x201;
const T_CTZSTRUCT = 0x202;
const T_CREATE = 0x401;
const T_DELETE = 0x4ff;
const T_SOFTTAIL = 0x600;
const T_HARDTAIL = 0x601;
const T_MOVESTATE = 0x7ff;
const T_CCRC = 0x500;
const T_FCRC = 0x5ff;
const ID_NONE = 0x3ff;
const SIZE_DELETED = 0x3ff;

const mkTag = (type3: number, id: number, size: number): number => ((type3 << 20) | (id << 10) | size) >>> 0;
const tagType3 = (t: number): number => (t >>> 20) & 0x7ff;
const tagId = (t: number): number => (t >>> 10) & 0x3ff;
const tagSize = (t: number): number => t & 0x3ff;
/** Bytes a tag occupies including its data (a deleted tag has none). */
const tagDsize = (t: number): number => 4 + (tagSize(t) === SIZE_DELETED ? 0 : tagSize(t));

// CRC-32, polynomial 0x04c11db7 (reflected 0xedb88320), init 0xffffffff, no final xor (SPEC:
// Metadata pairs, "CRC"). Running the CRC over data followed by its stored CRC gives 0.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  let c = crc >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

const le32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const be32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
function putLe32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = (v >>> 24) & 0xff;
}
function putBe32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
}
function le32s(...vals: number[]): Uint8Array {
  const b = new Uint8Array(vals.length * 4);
  vals.forEach((v, i) => putLe32(b, i * 4, v));
  return b;
}
/** Sequence comparison of 32-bit revision counts (SPEC: Metadata pairs, "Revision count"). */
const revNewer = (a: number, b: number): boolean => ((a - b) | 0) > 0;
/** Round `v` up to a multiple of `a` in 32-bit arithmetic (wraps like C's lfs_alignup). */
const alignUp32 = (v: number, a: number): number => {
  const s = (v + a - 1) >>> 0;
  return (s - (s % a)) >>> 0;
};
const ctz32 = (n: number): number => 31 - Math.clz32(n & -n);
function popc(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v; v &= v - 1) c++;
  return c;
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

type Pair = [number, number];
const isNullPair = (p: Pair): boolean => p[0] === BLOCK_NULL || p[1] === BLOCK_NULL;
/** littlefs treats two pairs as the same pair if they share any block (lfs_pair_cmp). */
const samePair = (a: Pair, b: Pair): boolean => a[0] === b[0] || a[0] === b[1] || a[1] === b[0] || a[1] === b[1];

// ---------------------------------------------------------------------------------------------
// Metadata pairs: in-memory model of one pair's current state (SPEC: Directories / Metadata pairs)

/** One id in a metadata pair: its name tag, struct tag and user attributes. */
interface Entry {
  /** Name-tag chunk: 0x01 file, 0x02 dir, 0xff superblock. */
  type: number;
  name: Uint8Array;
  /** Struct tag type3 (0x200 dir, 0x201 inline, 0x202 ctz), 0 when none. */
  st: number;
  sd: Uint8Array;
  /** User attributes (0x3xx) by type3; preserved on compaction, never created here. */
  attrs: Map<number, Uint8Array> | null;
}

/** Global state: move state + sync bit (SPEC: `0x7ff` LFS_TYPE_MOVESTATE). */
interface GState { tag: number; p0: number; p1: number }
const gZero = (): GState => ({ tag: 0, p0: 0, p1: 0 });
const gXor = (a: GState, b: GState): GState => ({ tag: (a.tag ^ b.tag) >>> 0, p0: (a.p0 ^ b.p0) >>> 0, p1: (a.p1 ^ b.p1) >>> 0 });
const gIsZero = (g: GState): boolean => g.tag === 0 && g.p0 === 0 && g.p1 === 0;
const gHasMove = (g: GState): boolean => ((g.tag >>> 28) & 7) !== 0;
const gBytes = (g: GState): Uint8Array => le32s(g.tag, g.p0, g.p1);

interface MDir {
  /** pair[0] holds the most recent revision (the block being appended to). */
  pair: Pair;
  rev: number;
  /** Where the next commit starts in pair[0]. */
  off: number;
  /** Previous tag for XOR-chaining the next commit, with the valid-bit expectation applied. */
  etag: number;
  /** Whether pair[0] is known erased after `off` (FCRC matched), so a commit can be appended. */
  erased: boolean;
  entries: Entry[];
  tail: Pair;
  /** Tail is a hard tail: the next pair continues this directory. */
  split: boolean;
  /** This pair's gstate delta (the most recent MOVESTATE tag). */
  g: GState;
}

/** A tag to commit: type3, id, data (null for create/delete). */
interface Attr { t: number; id: number; d: Uint8Array | null }

const EMPTY = new Uint8Array(0);
const blankEntry = (): Entry => ({ type: 0, name: EMPTY, st: 0, sd: EMPTY, attrs: null });
const copyEntry = (e: Entry): Entry => ({ ...e, attrs: e.attrs ? new Map(e.attrs) : null });

/** Apply one committed tag to a pair model (the replay rule for every tag type, SPEC: Metadata types). */
function applyTag(m: { entries: Entry[]; tail: Pair; split: boolean; g: GState }, t: number, id: number, d: Uint8Array | null): void {
  const type1 = t >>> 8;
  if (t === T_CREATE) {
    m.entries.splice(id, 0, blankEntry());
  } else if (t === T_DELETE) {
    m.entries.splice(id, 1);
  } else if (type1 === 0) {
    while (m.entries.length <= id) m.entries.push(blankEntry());
    const e = copyEntry(m.entries[id]);
    e.type = t & 0xff;
    e.name = d ?? EMPTY;
    m.entries[id] = e;
  } else if (type1 === 2 || type1 === 3) {
    if (id >= m.entries.length) return;
    const e = copyEntry(m.entries[id]);
    if (type1 === 2) {
      e.st = t;
      e.sd = d ?? EMPTY;
    } else {
      e.attrs ??= new Map();
      if (d) e.attrs.set(t, d);
      else e.attrs.delete(t);
    }
    m.entries[id] = e;
  } else if (type1 === 6 && d && d.length >= 8) {
    m.tail = [le32(d, 0), le32(d, 4)];
    m.split = (t & 1) === 1;
  } else if (t === T_MOVESTATE && d && d.length >= 12) {
    m.g = { tag: le32(d, 0), p0: le32(d, 4), p1: le32(d, 8) };
  }
}

/** Serialises tags into a metadata block, XOR-chaining them and running the commit CRC. */
class LogWriter {
  readonly buf: Uint8Array;
  off: number;
  ptag: number;
  crc: number;
  readonly limit: number;
  constructor(buf: Uint8Array, off: number, ptag: number, crc: number, limit: number) {
    this.buf = buf;
    this.off = off;
    this.ptag = ptag;
    this.crc = crc;
    this.limit = limit;
  }
  /** Append one tag + data; false if it would pass `limit` (nothing written). */
  put(t: number, id: number, d: Uint8Array | null): boolean {
    const len = d ? d.length : 0;
    const tag = mkTag(t, id, d ? len : t === T_CREATE || t === T_DELETE ? 0 : SIZE_DELETED);
    if (this.off + tagDsize(tag) > this.limit) return false;
    putBe32(this.buf, this.off, (tag & 0x7fffffff) ^ this.ptag);
    if (d) this.buf.set(d, this.off + 4);
    this.crc = crc32(this.crc, this.buf, this.off, this.off + tagDsize(tag));
    this.off += tagDsize(tag);
    this.ptag = tag & 0x7fffffff;
    return true;
  }
}

const entryDsize = (e: Entry): number => {
  let n = 4 + e.name.length;
  if (e.st) n += 4 + e.sd.length;
  if (e.attrs) for (const v of e.attrs.values()) n += 4 + v.length;
  return n;
};

// ---------------------------------------------------------------------------------------------
// Open files

type Content = { kind: 'inline'; data: Uint8Array } | { kind: 'ctz'; head: number; size: number };
const contentSize = (c: Content): number => (c.kind === 'inline' ? c.data.length : c.size);

/** A CTZ block being filled (littlefs's "writing" state). */
interface Writer {
  block: number;
  /** Index of `block` in the skip-list (0 = first block of the file). */
  index: number;
  buf: Uint8Array;
  /** Bytes of `buf` in use (pointers + data). */
  off: number;
}

interface OpenFile {
  path: string;
  readable: boolean;
  writable: boolean;
  append: boolean;
  pos: number;
  /** Latest flushed content (committed or not); while writing, the content being rewritten. */
  content: Content;
  w: Writer | null;
  dirty: boolean;
  erred: boolean;
  /** The entry was removed/replaced while open: syncs no longer reach the directory. */
  detached: boolean;
  /**
   * User attributes given at open (littlefs's `lfs_file_config.attrs`), by type3 (0x300 + type):
   * read from the entry when the file is readable, committed with the file on every sync when it
   * is writable; null without any.
   */
  attrs: Map<number, Uint8Array> | null;
}

/** Result of resolving a path's last component. */
interface Lookup {
  root: boolean;
  /** Pair holding the entry, or where it would be inserted. */
  m: MDir;
  id: number;
  entry: Entry | null;
  name: Uint8Array;
}

/** Entry types that are files or directories (name tag types 0x000-0x07f, SPEC: LFS_TYPE_NAME). */
const isNamed = (e: Entry): boolean => e.type === T_REG || e.type === T_DIR;

/**
 * Name order littlefs keeps directories in (its lfs_dir_find_match): byte-wise on the common
 * prefix; on a tie the longer on-disk name sorts first. -1: disk before target, 1: after, 0: equal.
 */
function nameCmp(disk: Uint8Array, target: Uint8Array): number {
  const n = Math.min(disk.length, target.length);
  for (let i = 0; i < n; i++) if (disk[i] !== target[i]) return disk[i] < target[i] ? -1 : 1;
  if (disk.length === target.length) return 0;
  return target.length < disk.length ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------

/**
 * A mounted littlefs v2.1 filesystem on an {@link LfsBlockDevice}, laid out as littlefs writes it
 * (SPEC.md): superblock + root directory in the metadata pair at blocks {0, 1}; directories are
 * linked lists of metadata pairs; small files (≤ 128 bytes) inline in their directory's pair,
 * larger ones in CTZ skip-lists of whole blocks.
 *
 * Paths are absolute, '/'-separated and already normalised (no '.' or '..'); the root is '/'.
 * Data written to a file reaches the device on {@link sync}/{@link close} (metadata commit);
 * a handle reads its own unsynced writes. Every method throws {@link LfsError}.
 */
export class LittleFs {
  private readonly dev: LfsBlockDevice;
  private readonly bs: number;
  private readonly bc: number;
  private readonly inlineMax: number;
  private nameMax = NAME_MAX;
  private fileMax = FILE_MAX;
  private root: Pair = [0, 1];
  // global state: wanted, as on disk, and deltas stolen from dropped pairs (lfs gstate/gdisk/gdelta)
  private gstate: GState = gZero();
  private gdisk: GState = gZero();
  private gpending: GState = gZero();
  // lookahead allocator (lfs_alloc)
  private readonly look = new Uint8Array(LOOKAHEAD_BYTES);
  private lookStart = 0;
  private lookSize = 0;
  private lookNext = 0;
  private ckpoint = 0;
  private seed = 0;
  private readonly files = new Map<number, OpenFile>();
  private nextFd = 1;

  private constructor(dev: LfsBlockDevice) {
    this.dev = dev;
    this.bs = dev.blockSize;
    this.bc = dev.blockCount;
    // littlefs asserts nothing here in MicroPython's build (LFS2_NO_ASSERT): 64-byte blocks mount
    if (this.bs < 64 || this.bs % PROG_SIZE !== 0 || this.bs % READ_SIZE !== 0 || this.bc < 2) {
      throw new LfsError(LFS_ERRNO.EINVAL, `unsupported geometry ${this.bc} x ${this.bs}`);
    }
    const cacheSize = Math.min(this.bs, 4 * Math.max(READ_SIZE, PROG_SIZE));
    this.inlineMax = Math.min(cacheSize, ATTR_MAX, Math.floor(this.bs / 8));
  }

  // ------------------------------------------------------------------------ format / mount

  /**
   * Create an empty filesystem (MicroPython `VfsLfs2.mkfs`): the superblock entry ("littlefs",
   * version 2.1, block size/count, name/file/attr max; SPEC: `0x0ff` LFS_TYPE_SUPERBLOCK) in the
   * root pair at blocks {0, 1}, written twice so both blocks hold it (magic at byte offset 8).
   * @throws LfsError EINVAL for a geometry littlefs cannot use
   */
  static format(dev: LfsBlockDevice): void {
    const fs = new LittleFs(dev);
    fs.lookStart = 0;
    fs.lookSize = Math.min(LOOKAHEAD_BYTES * 8, fs.bc);
    fs.lookNext = 0;
    fs.look.fill(0);
    fs.ckpoint = fs.bc;
    const root = fs.newDir(); // blocks 0 and 1 on a fresh lookahead
    const sb = le32s(DISK_VERSION, fs.bs, fs.bc, NAME_MAX, FILE_MAX, ATTR_MAX);
    root.entries = [{ type: T_SUPERBLOCK, name: utf8.encode('littlefs'), st: T_INLINESTRUCT, sd: sb, attrs: null }];
    fs.compact(root, root.entries); // first commit (pair was never erased: compaction)
    fs.compact(root, root.entries); // forced second compaction so both blocks carry the superblock
  }

  /**
   * Mount the filesystem on `dev` (MicroPython `VfsLfs2(bdev)`): walks the metadata-pair list from
   * {0, 1}, checks the superblock, sums the global state, then finishes any interrupted rename or
   * directory removal recorded there (littlefs's demove/deorphan, done eagerly here).
   * @returns the mounted filesystem
   * @throws LfsError 84 (corrupt) for a blank or damaged device; EINVAL for another littlefs
   *   version or a block size/count that does not match the device
   */
  static mount(dev: LfsBlockDevice): LittleFs {
    const fs = new LittleFs(dev);
    let found = false;
    let pair: Pair = [0, 1];
    let g = gZero();
    for (let guard = 0; !isNullPair(pair); guard++) {
      if (guard > fs.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in metadata list');
      const m = fs.fetch(pair, true);
      const sbe = m.entries[0];
      if (sbe && sbe.type === T_SUPERBLOCK && utf8d.decode(sbe.name) === 'littlefs') {
        fs.root = [m.pair[0], m.pair[1]];
        found = true;
        if (sbe.st !== T_INLINESTRUCT || sbe.sd.length < 24) throw new LfsError(LFS_ERRNO.ECORRUPT, 'bad superblock');
        const version = le32(sbe.sd, 0);
        if (version >>> 16 !== DISK_VERSION >>> 16 || (version & 0xffff) > (DISK_VERSION & 0xffff)) {
          throw new LfsError(LFS_ERRNO.EINVAL, `littlefs version ${version >>> 16}.${version & 0xffff} not supported`);
        }
        const [bsz, bcnt, nmax, fmax] = [le32(sbe.sd, 4), le32(sbe.sd, 8), le32(sbe.sd, 12), le32(sbe.sd, 16)];
        if (bcnt !== fs.bc) throw new LfsError(LFS_ERRNO.EINVAL, `block count ${bcnt} != ${fs.bc}`);
        if (bsz !== fs.bs) throw new LfsError(LFS_ERRNO.EINVAL, `block size ${bsz} != ${fs.bs}`);
        if (nmax) {
          if (nmax > NAME_MAX) throw new LfsError(LFS_ERRNO.EINVAL, `name_max ${nmax} unsupported`);
          fs.nameMax = nmax;
        }
        if (fmax) {
          if (fmax > FILE_MAX) throw new LfsError(LFS_ERRNO.EINVAL, `file_max ${fmax} unsupported`);
          fs.fileMax = fmax;
        }
      }
      g = gXor(g, m.g);
      pair = m.tail;
    }
    if (!found) throw new LfsError(LFS_ERRNO.ECORRUPT, 'no superblock');
    // the sync bit on disk becomes an in-memory orphan count of 1 (lfs_mount)
    if (g.tag & 0x80000000) g.tag = (g.tag + 1) >>> 0;
    fs.gstate = g;
    fs.gdisk = { ...g };
    fs.lookStart = fs.seed % fs.bc;
    fs.allocDrop();
    fs.forceConsistency();
    return fs;
  }

  // ------------------------------------------------------------------------ metadata pairs

  private readBlock(b: number): Uint8Array {
    if (b >= this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, `block ${b} out of range`);
    return this.dev.read(b, 0, this.bs);
  }

  /**
   * Fetch a metadata pair: pick the block with the newer revision, replay its commits, keep the
   * last one whose CRC matches (SPEC: Metadata pairs; `0x5xx` LFS_TYPE_CRC; `0x5ff` FCRC).
   */
  private fetch(pair: Pair, seeding = false): MDir {
    if (pair[0] >= this.bc || pair[1] >= this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, `pair {${pair[0]}, ${pair[1]}} out of range`);
    const revs = [le32(this.dev.read(pair[0], 0, 4), 0), le32(this.dev.read(pair[1], 0, 4), 0)];
    const first = revNewer(revs[1], revs[0]) ? 1 : 0;
    for (const k of [first, 1 - first]) {
      const m = this.replay(this.readBlock(pair[k]), seeding);
      if (m) {
        m.pair = [pair[k], pair[1 - k]];
        return m;
      }
    }
    throw new LfsError(LFS_ERRNO.ECORRUPT, `corrupted dir pair {${pair[0]}, ${pair[1]}}`);
  }

  /** Replay the log in one metadata block; null if it holds no valid commit. */
  private replay(data: Uint8Array, seeding: boolean): MDir | null {
    const bs = this.bs;
    const m: MDir = {
      pair: [BLOCK_NULL, BLOCK_NULL], rev: le32(data, 0), off: 0, etag: 0, erased: false,
      entries: [], tail: [BLOCK_NULL, BLOCK_NULL], split: false, g: gZero(),
    };
    let off = 4;
    let ptag = 0xffffffff;
    let crc = crc32(0xffffffff, data, 0, 4);
    let pending: [number, number, number][] = []; // tag, data offset, data length
    let fcrc: { size: number; crc: number } | null = null;
    let commitFcrc: { size: number; crc: number } | null = null;
    let maybeErased = false;
    while (off + 4 <= bs) {
      const raw = be32(data, off);
      const tag = (raw ^ ptag) >>> 0;
      if (tag & 0x80000000) {
        // next commit not programmed; we may append only after a CRC tag
        maybeErased = (tagType3(ptag) & 0x780) === T_CCRC;
        break;
      }
      const dsize = tagDsize(tag);
      if (off + dsize > bs) break;
      crc = crc32(crc, data, off, off + 4);
      ptag = tag;
      const t3 = tagType3(tag);
      if ((t3 & 0x780) === T_CCRC) {
        if (off + 8 > bs || crc !== le32(data, off + 4)) break;
        ptag = (ptag ^ (((t3 & 1) << 31) >>> 0)) >>> 0;
        if (seeding) this.seed = crc32(this.seed, le32s(crc));
        for (const [pt, po, pl] of pending) applyTag(m, tagType3(pt), tagId(pt), tagSize(pt) === SIZE_DELETED ? null : data.slice(po, po + pl));
        pending = [];
        commitFcrc = fcrc;
        fcrc = null;
        m.off = off + dsize;
        m.etag = ptag;
        crc = 0xffffffff;
        off += dsize;
        continue;
      }
      crc = crc32(crc, data, off + 4, off + dsize);
      if (t3 === T_FCRC && dsize >= 12) fcrc = { size: le32(data, off + 4), crc: le32(data, off + 8) };
      pending.push([tag, off + 4, dsize - 4]);
      off += dsize;
    }
    if (m.off === 0) return null;
    if (maybeErased && m.off % PROG_SIZE === 0 && commitFcrc && m.off + commitFcrc.size <= bs) {
      m.erased = crc32(0xffffffff, data, m.off, m.off + commitFcrc.size) === commitFcrc.crc;
    }
    return m;
  }

  /** Allocate a new metadata pair (not yet written), its revision seeded like lfs_dir_alloc. */
  private newDir(): MDir {
    const b1 = this.alloc();
    const b0 = this.alloc();
    let rev = le32(this.dev.read(b0, 0, 4), 0);
    rev = alignUp32(rev, (BLOCK_CYCLES + 1) | 1);
    return {
      pair: [b0, b1], rev, off: 4, etag: 0xffffffff, erased: false, entries: [],
      tail: [BLOCK_NULL, BLOCK_NULL], split: false, g: gZero(),
    };
  }

  /**
   * Finish a commit: FCRC over the next program unit (when another commit can follow) and the
   * CRC tag, padded to the program size (SPEC: `0x5xx` LFS_TYPE_CRC, `0x5ff` LFS_TYPE_FCRC).
   * Returns the offset where the next commit starts; `lw.off` ends after the CRC word.
   */
  private finishCommit(lw: LogWriter, block: number): number {
    const bs = this.bs;
    const end = alignUp32(Math.min(lw.off + 20, bs), PROG_SIZE);
    const noff = end;
    let eperturb = 0xff;
    if (noff <= bs - PROG_SIZE) {
      const next = this.dev.read(block, noff, PROG_SIZE);
      eperturb = next[0];
      const ok = lw.put(T_FCRC, ID_NONE, le32s(PROG_SIZE, crc32(0xffffffff, next)));
      if (!ok) throw new Error('littlefs: no room for FCRC');
    }
    const ntag = mkTag(T_CCRC + ((~eperturb & 0xff) >>> 7), ID_NONE, noff - (lw.off + 4));
    putBe32(lw.buf, lw.off, (ntag ^ lw.ptag) >>> 0);
    const crc = crc32(lw.crc, lw.buf, lw.off, lw.off + 4);
    putLe32(lw.buf, lw.off + 4, crc);
    lw.off += 8;
    lw.ptag = (ntag ^ (((0x80 & ~eperturb) << 24) >>> 0)) >>> 0;
    return noff;
  }

  /** The MOVESTATE delta this commit must carry so the on-disk gstate sums to `gstate`. */
  private pendingGDelta(): GState {
    const d = gXor(gXor(this.gstate, this.gdisk), this.gpending);
    d.tag = (d.tag & ~0x3ff) >>> 0; // orphan count is in-memory only; only the sync bit persists
    return d;
  }

  private gCommitted(): void {
    this.gdisk = { ...this.gstate };
    this.gpending = gZero();
  }

  /**
   * Commit tags to a metadata pair: append when the block has room, else compact (erase the other
   * block of the pair and rewrite the live state), splitting into a new pair when the state is
   * more than half a block (SPEC: Metadata pairs; DESIGN.md "Metadata pairs"/"splitting").
   * `m` is updated to the new state. A pair emptied by a delete that continues a directory is
   * dropped from the list instead.
   */
  private commit(m: MDir, attrs: Attr[]): void {
    const next = { entries: m.entries.slice(), tail: [m.tail[0], m.tail[1]] as Pair, split: m.split, g: m.g };
    let hasDelete = false;
    for (const a of attrs) {
      applyTag(next, a.t, a.id, a.d);
      if (a.t === T_DELETE) hasDelete = true;
    }
    if (hasDelete && next.entries.length === 0) {
      const pred = this.findPred(m.pair);
      if (pred && pred.split) {
        // drop this pair: predecessor takes over its tail and its gstate delta
        this.gpending = gXor(this.gpending, m.g);
        this.commit(pred, [{ t: m.split ? T_HARDTAIL : T_SOFTTAIL, id: ID_NONE, d: le32s(m.tail[0], m.tail[1]) }]);
        m.entries = [];
        return;
      }
    }
    const delta = this.pendingGDelta();
    if (m.erased && next.entries.length < 0xff) {
      const buf = new Uint8Array(this.bs).fill(0xff);
      const lw = new LogWriter(buf, m.off, m.etag, 0xffffffff, this.bs - 8);
      let fits = attrs.every((a) => lw.put(a.t, a.id, a.d));
      let g = next.g;
      if (fits && !gIsZero(delta)) {
        g = gXor(m.g, delta);
        fits = lw.put(T_MOVESTATE, ID_NONE, gBytes(g));
      }
      if (fits && lw.off <= this.bs - 8) {
        const noff = this.finishCommit(lw, m.pair[0]);
        this.dev.prog(m.pair[0], m.off, buf.subarray(m.off, lw.off));
        m.off = noff;
        m.etag = lw.ptag;
        m.entries = next.entries;
        m.tail = next.tail;
        m.split = next.split;
        m.g = g;
        this.gCommitted();
        return;
      }
    }
    m.tail = next.tail;
    m.split = next.split;
    this.splitAndCompact(m, next.entries);
  }

  /** lfs_dir_splittingcompact: move trailing entries into new pairs until the rest fits half a block. */
  private splitAndCompact(m: MDir, entries: Entry[]): void {
    let end = entries.length;
    const cap = Math.min(this.bs - 40, alignUp32(this.bs >>> 1, PROG_SIZE));
    for (;;) {
      let split = 0;
      while (end - split > 1) {
        let size = 0;
        for (let i = split; i < end; i++) size += entryDsize(entries[i]);
        if (end - split < 0xff && size <= cap) break;
        split += (end - split) >>> 1;
      }
      if (split === 0) break;
      let tail: MDir;
      try {
        tail = this.newDir();
      } catch (e) {
        if (e instanceof LfsError && e.errno === LFS_ERRNO.ENOSPC) break; // compact in place, degraded
        throw e;
      }
      tail.tail = m.tail;
      tail.split = m.split;
      this.compact(tail, entries.slice(split, end), false);
      m.tail = [tail.pair[0], tail.pair[1]];
      m.split = true;
      end = split;
    }
    this.compact(m, entries.slice(0, end));
  }

  /** Erase pair[1], write the whole state there as one commit, make it the current block. */
  private compact(m: MDir, entries: Entry[], withGState = true): void {
    const bs = this.bs;
    const buf = new Uint8Array(bs).fill(0xff);
    const rev = (m.rev + 1) >>> 0;
    putLe32(buf, 0, rev);
    const lw = new LogWriter(buf, 4, 0xffffffff, crc32(0xffffffff, buf, 0, 4), bs - 8);
    const nospc = (): LfsError => new LfsError(LFS_ERRNO.ENOSPC, 'metadata does not fit in a block');
    entries.forEach((e, id) => {
      if (!lw.put(e.type, id, e.name)) throw nospc();
      if (e.st && !lw.put(e.st, id, e.sd)) throw nospc();
      if (e.attrs) for (const t of [...e.attrs.keys()].sort((a, b) => a - b)) if (!lw.put(t, id, e.attrs.get(t)!)) throw nospc();
    });
    if (!isNullPair(m.tail) && !lw.put(m.split ? T_HARDTAIL : T_SOFTTAIL, ID_NONE, le32s(m.tail[0], m.tail[1]))) throw nospc();
    let g = m.g;
    if (withGState) g = gXor(g, this.pendingGDelta());
    else g = gZero();
    if (!gIsZero(g) && !lw.put(T_MOVESTATE, ID_NONE, gBytes(g))) throw nospc();
    const target = m.pair[1];
    this.dev.erase(target);
    const noff = this.finishCommit(lw, target);
    this.dev.prog(target, 0, buf.subarray(0, lw.off));
    m.pair = [m.pair[1], m.pair[0]];
    m.rev = rev;
    m.off = noff;
    m.etag = lw.ptag;
    m.erased = true;
    m.entries = entries;
    m.g = g;
    if (withGState) this.gCommitted();
  }

  /** The pair whose tail points at `pair` (lfs_fs_pred), or null. */
  private findPred(pair: Pair): MDir | null {
    let m = this.fetch([0, 1]);
    for (let guard = 0; !isNullPair(m.tail); guard++) {
      if (guard > this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in metadata list');
      if (samePair(m.tail, pair)) return m;
      m = this.fetch(m.tail);
    }
    return null;
  }

  // ------------------------------------------------------------------------ global state

  private prepMove(id: number, pair: Pair | null): void {
    this.gstate.tag = ((this.gstate.tag & ~0x7ffffc00) | (id !== ID_NONE ? mkTag(T_DELETE, id, 0) : 0)) >>> 0;
    this.gstate.p0 = pair ? pair[0] : 0;
    this.gstate.p1 = pair ? pair[1] : 0;
  }

  private prepOrphans(n: number): void {
    let t = (this.gstate.tag + n) >>> 0;
    t = ((t & 0x7fffffff) | (tagSize(t) ? 0x80000000 : 0)) >>> 0;
    this.gstate.tag = t;
  }

  /**
   * Finish what an interrupted operation left in the global state (littlefs's
   * lfs_fs_forceconsistency): delete the source of a pending move; unlink directory pairs that no
   * directory entry references (orphans). Runs at mount; a no-op on a consistent filesystem.
   */
  private forceConsistency(): void {
    if (gHasMove(this.gdisk)) {
      const m = this.fetch([this.gdisk.p0, this.gdisk.p1]);
      const id = tagId(this.gdisk.tag);
      this.prepMove(ID_NONE, null);
      if (id < m.entries.length) this.commit(m, [{ t: T_DELETE, id, d: null }]);
    }
    if (tagSize(this.gstate.tag) === 0) return;
    const referenced: Pair[] = [];
    this.walkPairs((m) => {
      for (const e of m.entries) if (e.st === T_DIRSTRUCT && e.sd.length >= 8) referenced.push([le32(e.sd, 0), le32(e.sd, 4)]);
    });
    let pdir = this.fetch([0, 1]);
    for (let guard = 0; !isNullPair(pdir.tail); guard++) {
      if (guard > this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in metadata list');
      const dir = this.fetch(pdir.tail);
      if (!pdir.split && !referenced.some((p) => samePair(p, dir.pair))) {
        this.gpending = gXor(this.gpending, dir.g);
        this.commit(pdir, [{ t: dir.split ? T_HARDTAIL : T_SOFTTAIL, id: ID_NONE, d: le32s(dir.tail[0], dir.tail[1]) }]);
        continue;
      }
      pdir = dir;
    }
    this.prepOrphans(-tagSize(this.gstate.tag));
  }

  // ------------------------------------------------------------------------ traversal / allocator

  /** Visit every metadata pair on the list from {0, 1}. */
  private walkPairs(visit: (m: MDir) => void): void {
    let pair: Pair = [0, 1];
    for (let guard = 0; !isNullPair(pair); guard++) {
      if (guard > this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in metadata list');
      const m = this.fetch(pair);
      visit(m);
      pair = m.tail;
    }
  }

  /**
   * Every block in use, as lfs_fs_traverse reports them: both blocks of each metadata pair, each
   * CTZ block of each file, and the blocks of open files' unsynced data. Blocks may repeat.
   */
  private traverse(cb: (block: number) => void, includeDirStructs: boolean): void {
    this.walkPairs((m) => {
      cb(m.pair[0]);
      cb(m.pair[1]);
      for (const e of m.entries) {
        if (e.st === T_CTZSTRUCT && e.sd.length >= 8) this.ctzTraverse(le32(e.sd, 0), le32(e.sd, 4), cb);
        else if (includeDirStructs && e.st === T_DIRSTRUCT && e.sd.length >= 8) {
          cb(le32(e.sd, 0));
          cb(le32(e.sd, 4));
        }
      }
    });
    for (const f of this.files.values()) {
      if (f.dirty && f.content.kind === 'ctz') this.ctzTraverse(f.content.head, f.content.size, cb);
      if (f.w) {
        cb(f.w.block);
        if (f.w.index > 0) this.ctzTraverseIndex(le32(f.w.buf, 0), f.w.index - 1, cb);
      }
    }
  }

  private allocDrop(): void {
    this.lookSize = 0;
    this.lookNext = 0;
    this.ckpoint = this.bc;
  }

  /**
   * lfs_alloc: hand out the next free block of the lookahead window; when the window is used up,
   * move it past the last block handed out and refill it by traversing the filesystem. ENOSPC once
   * a whole disk's worth of blocks was examined since the last checkpoint.
   */
  private alloc(): number {
    for (;;) {
      while (this.lookNext < this.lookSize) {
        if (!(this.look[this.lookNext >>> 3] & (1 << (this.lookNext & 7)))) {
          const block = (this.lookStart + this.lookNext) % this.bc;
          for (;;) {
            this.lookNext++;
            this.ckpoint--;
            if (this.lookNext >= this.lookSize || !(this.look[this.lookNext >>> 3] & (1 << (this.lookNext & 7)))) return block;
          }
        }
        this.lookNext++;
        this.ckpoint--;
      }
      if (this.ckpoint <= 0) throw new LfsError(LFS_ERRNO.ENOSPC, 'no free blocks');
      this.lookStart = (this.lookStart + this.lookNext) % this.bc;
      this.lookNext = 0;
      this.lookSize = Math.min(LOOKAHEAD_BYTES * 8, this.ckpoint);
      this.look.fill(0);
      try {
        this.traverse((b) => {
          const off = (b - this.lookStart + this.bc) % this.bc;
          if (off < this.lookSize) this.look[off >>> 3] |= 1 << (off & 7);
        }, true);
      } catch (e) {
        this.allocDrop();
        throw e;
      }
    }
  }

  // ------------------------------------------------------------------------ CTZ skip-lists

  /** Data bytes stored in blocks 0..n-1 of a skip-list (block k>0 starts with ctz(k)+1 pointers). */
  private ctzStart(n: number): number {
    return n === 0 ? 0 : n * this.bs - 4 * (2 * (n - 1) - popc(n - 1));
  }

  /** Block index and in-block offset of file byte `pos` (SPEC: `0x202` LFS_TYPE_CTZSTRUCT). */
  private ctzIndex(pos: number): { index: number; boff: number } {
    let n = Math.floor(pos / (this.bs - 8));
    while (n > 0 && this.ctzStart(n) > pos) n--;
    while (this.ctzStart(n + 1) <= pos) n++;
    return { index: n, boff: pos - this.ctzStart(n) + (n === 0 ? 0 : 4 * (ctz32(n) + 1)) };
  }

  private readPtr(block: number, i: number): number {
    if (block >= this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, `block ${block} out of range`);
    return le32(this.dev.read(block, 4 * i, 4), 0);
  }

  /** Follow skip pointers from the head to the block holding byte `pos`. */
  private ctzFind(head: number, size: number, pos: number): { block: number; index: number; boff: number } {
    let cur = this.ctzIndex(size - 1).index;
    const { index, boff } = this.ctzIndex(pos);
    let block = head;
    while (cur > index) {
      const skip = Math.min(ctz32(cur), 31 - Math.clz32(cur - index));
      block = this.readPtr(block, skip);
      cur -= 2 ** skip;
    }
    return { block, index, boff };
  }

  private ctzTraverse(head: number, size: number, cb: (b: number) => void): void {
    if (size === 0) return;
    this.ctzTraverseIndex(head, this.ctzIndex(size - 1).index, cb);
  }

  private ctzTraverseIndex(head: number, index: number, cb: (b: number) => void): void {
    let b = head;
    for (let i = index; ; i--) {
      cb(b);
      if (i === 0) return;
      b = this.readPtr(b, 0);
    }
  }

  private readContent(c: Content, pos: number, len: number): Uint8Array {
    const size = contentSize(c);
    const n = Math.max(0, Math.min(len, size - pos));
    if (c.kind === 'inline') return c.data.slice(pos, pos + n);
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const { block, boff } = this.ctzFind(c.head, c.size, pos + done);
      const k = Math.min(n - done, this.bs - boff);
      out.set(this.dev.read(block, boff, k), done);
      done += k;
    }
    return out;
  }

  /** A fresh, erased block for skip-list index `index` following `prev` (lfs_ctz_extend). */
  private ctzNewBlock(prev: number, index: number): Writer {
    const block = this.alloc();
    this.dev.erase(block);
    const buf = new Uint8Array(this.bs).fill(0xff);
    const skips = index === 0 ? 0 : ctz32(index) + 1;
    let p = prev;
    for (let i = 0; i < skips; i++) {
      putLe32(buf, 4 * i, p);
      if (i < skips - 1) p = this.readPtr(p, i);
    }
    return { block, index, buf, off: 4 * skips };
  }

  // ------------------------------------------------------------------------ file data

  /** Start rewriting a file from `f.pos`: keep the prefix (copying out a partial last block). */
  private beginWrite(f: OpenFile): void {
    this.ckpoint = this.bc;
    const c = f.content;
    const p = f.pos;
    if (p === 0 || c.kind === 'inline') {
      const w = this.ctzNewBlock(BLOCK_NULL, 0);
      if (c.kind === 'inline' && p > 0) {
        w.buf.set(c.data.subarray(0, p));
        w.off = p;
      }
      f.w = w;
      return;
    }
    const { block, index, boff } = this.ctzFind(c.head, c.size, p - 1);
    if (boff + 1 === this.bs) {
      f.w = this.ctzNewBlock(block, index + 1);
      return;
    }
    const nb = this.alloc();
    this.dev.erase(nb);
    const buf = new Uint8Array(this.bs).fill(0xff);
    buf.set(this.dev.read(block, 0, boff + 1));
    f.w = { block: nb, index, buf, off: boff + 1 };
  }

  /** Write at f.pos into CTZ blocks (the file is, or becomes, non-inline). */
  private writeBlocks(f: OpenFile, data: Uint8Array): void {
    if (!f.w) this.beginWrite(f);
    let i = 0;
    while (i < data.length) {
      let w = f.w!;
      if (w.off === this.bs) {
        this.dev.prog(w.block, 0, w.buf);
        this.ckpoint = this.bc;
        w = this.ctzNewBlock(w.block, w.index + 1);
        f.w = w;
      }
      const k = Math.min(data.length - i, this.bs - w.off);
      w.buf.set(data.subarray(i, i + k), w.off);
      w.off += k;
      f.pos += k;
      i += k;
    }
    this.ckpoint = this.bc;
  }

  private writeData(f: OpenFile, data: Uint8Array): void {
    const c = f.content;
    if (!f.w && c.kind === 'inline' && Math.max(f.pos + data.length, c.data.length) <= this.inlineMax) {
      const nd = new Uint8Array(Math.max(f.pos + data.length, c.data.length));
      nd.set(c.data);
      nd.set(data, f.pos);
      f.content = { kind: 'inline', data: nd };
      f.pos += data.length;
      f.dirty = true;
      return;
    }
    this.writeBlocks(f, data);
  }

  /** lfs_file_flush: copy the rest of the old content after the write, program the last block. */
  private flush(f: OpenFile): void {
    if (!f.w) return;
    const pos = f.pos;
    const oldSize = contentSize(f.content);
    while (f.pos < oldSize) this.writeBlocks(f, this.readContent(f.content, f.pos, Math.min(this.bs, oldSize - f.pos)));
    const w = f.w!;
    this.dev.prog(w.block, 0, w.buf.subarray(0, w.off));
    f.content = { kind: 'ctz', head: w.block, size: f.pos };
    f.w = null;
    f.dirty = true;
    f.pos = pos;
  }

  private fileSize(f: OpenFile): number {
    return f.w ? Math.max(f.pos, contentSize(f.content)) : contentSize(f.content);
  }

  private commitFile(f: OpenFile): void {
    const r = this.lookup(f.path);
    if (r.root || !r.entry || r.entry.type !== T_REG) return;
    const c = f.content;
    const attr: Attr = c.kind === 'inline'
      ? { t: T_INLINESTRUCT, id: r.id, d: c.data.slice() }
      : { t: T_CTZSTRUCT, id: r.id, d: le32s(c.head, c.size) };
    const attrs = [attr];
    // lfs_file_rawsync: the struct and the file's user attributes in one commit
    if (f.attrs) for (const [t, d] of f.attrs) attrs.push({ t, id: r.id, d: d.slice() });
    this.commit(r.m, attrs);
  }

  // ------------------------------------------------------------------------ paths

  private names(path: string): Uint8Array[] {
    if (!path.startsWith('/')) throw new LfsError(LFS_ERRNO.EINVAL, `path must be absolute: ${path}`);
    return path.split('/').filter((s) => s.length > 0).map((s) => utf8.encode(s));
  }

  /** Find `name` in the directory starting at `head` (lfs_dir_find), or where it would go. */
  private findIn(head: Pair, name: Uint8Array): { m: MDir; id: number; entry: Entry | null } {
    let m = this.fetch(head);
    for (let guard = 0; ; guard++) {
      if (guard > this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in directory');
      let greater = -1;
      for (let id = 0; id < m.entries.length; id++) {
        const e = m.entries[id];
        if (!isNamed(e)) continue;
        const c = nameCmp(e.name, name);
        if (c === 0) return { m, id, entry: e };
        if (c > 0 && greater < 0) greater = id;
      }
      if (greater >= 0) return { m, id: greater, entry: null };
      if (!m.split) return { m, id: m.entries.length, entry: null };
      m = this.fetch(m.tail);
    }
  }

  /**
   * Resolve a path. Intermediate components must be existing directories (ENOENT / ENOTDIR);
   * the last may be missing (entry null, id = insertion point).
   */
  private lookup(path: string): Lookup {
    const parts = this.names(path);
    let dir: Pair = this.root;
    if (parts.length === 0) return { root: true, m: this.fetch(this.root), id: ID_NONE, entry: null, name: EMPTY };
    for (let i = 0; ; i++) {
      const r = this.findIn(dir, parts[i]);
      if (i === parts.length - 1) return { root: false, ...r, name: parts[i] };
      if (!r.entry) throw new LfsError(LFS_ERRNO.ENOENT, `no such directory: ${path}`);
      if (r.entry.type !== T_DIR) throw new LfsError(LFS_ERRNO.ENOTDIR, `not a directory: ${path}`);
      dir = this.dirPair(r.entry);
    }
  }

  private dirPair(e: Entry): Pair {
    if (e.st !== T_DIRSTRUCT || e.sd.length < 8) throw new LfsError(LFS_ERRNO.ECORRUPT, 'directory without dir-struct');
    return [le32(e.sd, 0), le32(e.sd, 4)];
  }

  private checkName(name: Uint8Array): void {
    if (name.length > this.nameMax) throw new LfsError(LFS_ERRNO.ENAMETOOLONG, 'name too long');
  }

  private entrySize(e: Entry): number {
    if (e.type !== T_REG) return 0;
    if (e.st === T_INLINESTRUCT) return e.sd.length;
    if (e.st === T_CTZSTRUCT && e.sd.length >= 8) return le32(e.sd, 4);
    return 0;
  }

  /** Mark open handles of `path` as no longer attached to a directory entry. */
  private detach(path: string): void {
    for (const f of this.files.values()) if (f.path === path) f.detached = true;
  }

  private handle(fd: number): OpenFile {
    const f = this.files.get(fd);
    if (!f) throw new LfsError(LFS_ERRNO.EBADF, `bad file descriptor ${fd}`);
    return f;
  }

  // ------------------------------------------------------------------------ public file API

  /**
   * Open a file (lfs_file_open). `read`/`write` choose the access (read-only when neither);
   * `create` makes a missing file (committed at once, empty), `exclusive` with it fails on an
   * existing one, `truncate` empties it, `append` writes at the end.
   * `attrs` are user attributes by type (0–255, e.g. 0x74 `'t'`, MicroPython's mtime) with their
   * bytes, as `lfs_file_opencfg` takes them: a readable file has them read from its entry (when
   * stored), a writable one is marked dirty and commits them at every sync and at close.
   * @returns a file descriptor (positive integer)
   * @throws LfsError ENOENT (missing file without `create`, or missing parent), ENOTDIR, EISDIR
   *   (a directory, or '/'), EEXIST (`create`+`exclusive` on an existing file), ENAMETOOLONG,
   *   ENOSPC
   */
  open(path: string, flags: { read?: boolean; write?: boolean; create?: boolean; truncate?: boolean; append?: boolean; exclusive?: boolean }, attrs?: Map<number, Uint8Array>): number {
    const writable = !!flags.write;
    const readable = !!flags.read || !writable;
    const r = this.lookup(path);
    if (r.root) throw new LfsError(LFS_ERRNO.EISDIR, `is a directory: ${path}`);
    let content: Content;
    let dirty = false;
    if (!r.entry) {
      if (!flags.create) throw new LfsError(LFS_ERRNO.ENOENT, `no such file: ${path}`);
      this.checkName(r.name);
      this.commit(r.m, [
        { t: T_CREATE, id: r.id, d: null },
        { t: T_REG, id: r.id, d: r.name },
        { t: T_INLINESTRUCT, id: r.id, d: EMPTY },
      ]);
      content = { kind: 'inline', data: EMPTY };
    } else if (flags.create && flags.exclusive) {
      throw new LfsError(LFS_ERRNO.EEXIST, `file exists: ${path}`);
    } else if (r.entry.type !== T_REG) {
      throw new LfsError(LFS_ERRNO.EISDIR, `is a directory: ${path}`);
    } else if (flags.truncate) {
      content = { kind: 'inline', data: EMPTY };
      dirty = true;
    } else if (r.entry.st === T_CTZSTRUCT) {
      content = { kind: 'ctz', head: le32(r.entry.sd, 0), size: le32(r.entry.sd, 4) };
    } else {
      content = { kind: 'inline', data: r.entry.sd.slice() };
    }
    let fileAttrs: Map<number, Uint8Array> | null = null;
    if (attrs && attrs.size) {
      fileAttrs = new Map();
      for (const [type, d] of attrs) {
        const t = 0x300 | (type & 0xff);
        let v = d.slice();
        // lfs_dir_get of each attribute into its buffer (the buffer's size; zero-filled past the stored bytes)
        const stored = flags.read || !writable ? r.entry?.attrs?.get(t) : undefined;
        if (stored) {
          v = new Uint8Array(d.length);
          v.set(stored.subarray(0, d.length));
        }
        fileAttrs.set(t, v);
      }
      if (writable) dirty = true;
    }
    const fd = this.nextFd++;
    this.files.set(fd, {
      path: '/' + this.names(path).map((n) => utf8d.decode(n)).join('/'), readable, writable, append: !!flags.append,
      pos: 0, content, w: null, dirty, erred: false, detached: false, attrs: fileAttrs,
    });
    return fd;
  }

  /**
   * Read up to `length` bytes at the file position (fewer at end of file, empty at EOF).
   * @throws LfsError EBADF (unknown fd, or not open for reading)
   */
  read(fd: number, length: number): Uint8Array {
    const f = this.handle(fd);
    if (!f.readable) throw new LfsError(LFS_ERRNO.EBADF, 'file not open for reading');
    this.flush(f);
    const out = this.readContent(f.content, f.pos, Math.max(0, length));
    f.pos += out.length;
    return out;
  }

  /**
   * Write `data` at the file position (at the end with `append`; a gap past the end is
   * zero-filled). Reaches the device on sync/close.
   * @returns bytes written (all of `data`)
   * @throws LfsError EBADF, EFBIG (past 2 GiB - 1), ENOSPC (no free block; the handle then stays
   *   at its last synced state: close does not commit the failed data)
   */
  write(fd: number, data: Uint8Array): number {
    const f = this.handle(fd);
    if (!f.writable) throw new LfsError(LFS_ERRNO.EBADF, 'file not open for writing');
    try {
      if (f.append && f.pos < contentSize(f.content) && !f.w) f.pos = contentSize(f.content);
      if (f.pos + data.length > this.fileMax) throw new LfsError(LFS_ERRNO.EFBIG, 'file too large');
      const size = contentSize(f.content);
      if (!f.w && f.pos > size) {
        const gap = f.pos - size;
        f.pos = size;
        this.writeData(f, new Uint8Array(gap));
      }
      this.writeData(f, data);
    } catch (e) {
      f.erred = true;
      throw e;
    }
    f.erred = false;
    return data.length;
  }

  /**
   * Move the file position: `whence` 0 from the start, 1 from the current position, 2 from the end.
   * @returns the new position in bytes
   * @throws LfsError EBADF; EINVAL for a negative or too-large position
   */
  seek(fd: number, offset: number, whence: 0 | 1 | 2): number {
    const f = this.handle(fd);
    const base = whence === 0 ? 0 : whence === 1 ? f.pos : this.fileSize(f);
    const npos = base + offset;
    if (!Number.isInteger(npos) || npos < 0 || npos > this.fileMax) throw new LfsError(LFS_ERRNO.EINVAL, 'invalid seek');
    if (npos === f.pos) return npos;
    this.flush(f);
    f.pos = npos;
    return npos;
  }

  /**
   * Replaces the bytes of a user attribute the file was opened with (MicroPython updates its
   * mtime before every write); it reaches the device at the next sync.
   * @throws LfsError EBADF; EINVAL for an attribute the file was not opened with
   */
  setFileAttr(fd: number, type: number, data: Uint8Array): void {
    const f = this.handle(fd);
    const t = 0x300 | (type & 0xff);
    if (!f.attrs?.has(t)) throw new LfsError(LFS_ERRNO.EINVAL, `file not opened with attribute ${type}`);
    f.attrs.set(t, data.slice());
  }

  /**
   * A user attribute of a path as committed (lfs_getattr), or null when it has none.
   * @throws LfsError ENOENT, ENOTDIR
   */
  getattr(path: string, type: number): Uint8Array | null {
    const r = this.lookup(path);
    if (r.root) return null;
    if (!r.entry) throw new LfsError(LFS_ERRNO.ENOENT, `no such file or directory: ${path}`);
    return r.entry.attrs?.get(0x300 | (type & 0xff))?.slice() ?? null;
  }

  /** Current file position in bytes. @throws LfsError EBADF */
  tell(fd: number): number {
    return this.handle(fd).pos;
  }

  /** File size in bytes as this handle sees it (including unsynced writes). @throws LfsError EBADF */
  size(fd: number): number {
    return this.fileSize(this.handle(fd));
  }

  /**
   * Set the file size to `size` bytes (cut, or extend with zeros); the position is kept. Files cut
   * to ≤ 128 bytes go back inline.
   * @throws LfsError EBADF (not writable), EINVAL, ENOSPC
   */
  truncate(fd: number, size: number): void {
    const f = this.handle(fd);
    if (!f.writable) throw new LfsError(LFS_ERRNO.EBADF, 'file not open for writing');
    if (!Number.isInteger(size) || size < 0 || size > this.fileMax) throw new LfsError(LFS_ERRNO.EINVAL, 'invalid size');
    const pos = f.pos;
    const old = this.fileSize(f);
    this.flush(f);
    if (size < old) {
      if (size <= this.inlineMax) {
        f.content = { kind: 'inline', data: this.readContent(f.content, 0, size) };
      } else if (f.content.kind === 'ctz') {
        const { block } = this.ctzFind(f.content.head, f.content.size, size - 1);
        f.content = { kind: 'ctz', head: block, size };
      }
      f.dirty = true;
    } else if (size > old) {
      f.pos = old;
      this.write(fd, new Uint8Array(size - old));
      this.flush(f);
    }
    f.pos = pos;
  }

  /**
   * Commit the file's data and size to its directory (lfs_file_sync). A no-op after a failed
   * write (littlefs's "erred" state) or once the file was removed/renamed away.
   * @throws LfsError EBADF, ENOSPC
   */
  sync(fd: number): void {
    const f = this.handle(fd);
    if (f.erred) return;
    try {
      this.flush(f);
      if (f.dirty && !f.detached) this.commitFile(f);
      f.dirty = false;
    } catch (e) {
      f.erred = true;
      throw e;
    }
  }

  /** Sync then forget the descriptor (it is released even if the sync fails). @throws LfsError EBADF, ENOSPC */
  close(fd: number): void {
    this.handle(fd);
    try {
      this.sync(fd);
    } finally {
      this.files.delete(fd);
    }
  }

  // ------------------------------------------------------------------------ public dir API

  /**
   * List a directory in littlefs order (names sorted byte-wise; see nameCmp), without '.'/'..'.
   * `size` is the file size in bytes (0 for directories).
   * @throws LfsError ENOENT, ENOTDIR
   */
  readdir(path: string): { name: string; type: 'file' | 'dir'; size: number }[] {
    const r = this.lookup(path);
    let pair: Pair;
    if (r.root) pair = this.root;
    else if (!r.entry) throw new LfsError(LFS_ERRNO.ENOENT, `no such directory: ${path}`);
    else if (r.entry.type !== T_DIR) throw new LfsError(LFS_ERRNO.ENOTDIR, `not a directory: ${path}`);
    else pair = this.dirPair(r.entry);
    const out: { name: string; type: 'file' | 'dir'; size: number }[] = [];
    let m = this.fetch(pair);
    for (let guard = 0; ; guard++) {
      if (guard > this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in directory');
      for (const e of m.entries) {
        if (!isNamed(e)) continue;
        out.push({ name: utf8d.decode(e.name), type: e.type === T_DIR ? 'dir' : 'file', size: this.entrySize(e) });
      }
      if (!m.split) return out;
      m = this.fetch(m.tail);
    }
  }

  /**
   * Type and size (bytes; 0 for directories) of a path, as committed on the device.
   * @throws LfsError ENOENT, ENOTDIR
   */
  stat(path: string): { type: 'file' | 'dir'; size: number } {
    const r = this.lookup(path);
    if (r.root) return { type: 'dir', size: 0 };
    if (!r.entry) throw new LfsError(LFS_ERRNO.ENOENT, `no such file or directory: ${path}`);
    return { type: r.entry.type === T_DIR ? 'dir' : 'file', size: this.entrySize(r.entry) };
  }

  /**
   * Create a directory (lfs_mkdir): a new metadata pair threaded into the pair list after its
   * parent's last pair, then the entry in the parent.
   * @throws LfsError EEXIST, ENOENT (missing parent), ENOTDIR, ENAMETOOLONG, ENOSPC
   */
  mkdir(path: string): void {
    const r = this.lookup(path);
    if (r.root || r.entry) throw new LfsError(LFS_ERRNO.EEXIST, `file exists: ${path}`);
    this.checkName(r.name);
    this.ckpoint = this.bc;
    const dir = this.newDir();
    let pred = r.m;
    for (let guard = 0; pred.split; guard++) {
      if (guard > this.bc) throw new LfsError(LFS_ERRNO.ECORRUPT, 'cycle in directory');
      pred = this.fetch(pred.tail);
    }
    dir.tail = [pred.tail[0], pred.tail[1]];
    dir.split = false;
    this.compact(dir, [], false);
    const dp = le32s(dir.pair[0], dir.pair[1]);
    const attrs: Attr[] = [
      { t: T_CREATE, id: r.id, d: null },
      { t: T_DIR, id: r.id, d: r.name },
      { t: T_DIRSTRUCT, id: r.id, d: dp },
    ];
    if (r.m.split) {
      // not the parent's last pair: link the new pair in first (an orphan until the entry lands)
      this.prepOrphans(+1);
      this.commit(pred, [{ t: T_SOFTTAIL, id: ID_NONE, d: dp }]);
      this.prepOrphans(-1);
      this.commit(this.fetch(r.m.pair), attrs);
    } else {
      attrs.push({ t: T_SOFTTAIL, id: ID_NONE, d: dp });
      this.commit(r.m, attrs);
    }
  }

  /** Unlink an emptied directory's pair from the pair list, taking over its gstate delta. */
  private dropDir(pair: Pair): void {
    const child = this.fetch(pair);
    const pred = this.findPred(child.pair);
    if (!pred) return;
    this.gpending = gXor(this.gpending, child.g);
    this.commit(pred, [{ t: child.split ? T_HARDTAIL : T_SOFTTAIL, id: ID_NONE, d: le32s(child.tail[0], child.tail[1]) }]);
  }

  /**
   * Remove a file or an empty directory (MicroPython `os.remove` and `os.rmdir` both do this).
   * Open handles of a removed file stop reaching the directory.
   * @throws LfsError ENOENT, ENOTDIR, ENOTEMPTY, EINVAL ('/'), ENOSPC
   */
  remove(path: string): void {
    const r = this.lookup(path);
    if (r.root) throw new LfsError(LFS_ERRNO.EINVAL, 'cannot remove /');
    if (!r.entry) throw new LfsError(LFS_ERRNO.ENOENT, `no such file or directory: ${path}`);
    let child: Pair | null = null;
    if (r.entry.type === T_DIR) {
      child = this.dirPair(r.entry);
      const cm = this.fetch(child);
      if (cm.entries.length > 0 || cm.split) throw new LfsError(LFS_ERRNO.ENOTEMPTY, `directory not empty: ${path}`);
      this.prepOrphans(+1);
    }
    this.commit(r.m, [{ t: T_DELETE, id: r.id, d: null }]);
    if (child) {
      this.prepOrphans(-1);
      this.dropDir(child);
    }
    this.detach(this.canonical(path));
  }

  private canonical(path: string): string {
    return '/' + this.names(path).map((n) => utf8d.decode(n)).join('/');
  }

  /**
   * Rename `from` to `to` (lfs_rename): replaces an existing file, or an empty directory, of the
   * same kind; works across directories (a move recorded in the global state until the old entry
   * is deleted).
   * @throws LfsError ENOENT, ENOTDIR, EISDIR (file onto a directory), ENOTEMPTY, EINVAL ('/' or a
   *   directory into itself), ENAMETOOLONG, ENOSPC
   */
  rename(from: string, to: string): void {
    const cf = this.canonical(from);
    const ct = this.canonical(to);
    if (ct.startsWith(cf + '/')) throw new LfsError(LFS_ERRNO.EINVAL, 'cannot move a directory into itself');
    const o = this.lookup(from);
    if (o.root) throw new LfsError(LFS_ERRNO.EINVAL, 'cannot rename /');
    if (!o.entry) throw new LfsError(LFS_ERRNO.ENOENT, `no such file or directory: ${from}`);
    const n = this.lookup(to);
    if (n.root) throw new LfsError(LFS_ERRNO.EINVAL, 'cannot rename onto /');
    const same = samePair(o.m.pair, n.m.pair);
    let oldId = o.id;
    let prevDir: Pair | null = null;
    if (!n.entry) {
      this.checkName(n.name);
      if (same && n.id <= oldId) oldId += 1;
    } else if (n.entry.type !== o.entry.type) {
      throw new LfsError(n.entry.type === T_DIR ? LFS_ERRNO.EISDIR : LFS_ERRNO.ENOTDIR, `cannot replace ${to}`);
    } else if (same && n.id === o.id) {
      return;
    } else if (n.entry.type === T_DIR) {
      prevDir = this.dirPair(n.entry);
      const pm = this.fetch(prevDir);
      if (pm.entries.length > 0 || pm.split) throw new LfsError(LFS_ERRNO.ENOTEMPTY, `directory not empty: ${to}`);
      this.prepOrphans(+1);
    }
    if (!same) this.prepMove(oldId, o.m.pair);
    const attrs: Attr[] = [];
    if (n.entry) attrs.push({ t: T_DELETE, id: n.id, d: null });
    attrs.push({ t: T_CREATE, id: n.id, d: null }, { t: o.entry.type, id: n.id, d: n.name });
    if (o.entry.st) attrs.push({ t: o.entry.st, id: n.id, d: o.entry.sd });
    if (o.entry.attrs) for (const [t, d] of o.entry.attrs) attrs.push({ t, id: n.id, d });
    if (same) attrs.push({ t: T_DELETE, id: oldId, d: null });
    this.commit(n.m, attrs);
    if (!same) {
      this.prepMove(ID_NONE, null);
      this.commit(this.fetch(o.m.pair), [{ t: T_DELETE, id: o.id, d: null }]);
    }
    if (prevDir) {
      this.prepOrphans(-1);
      this.dropDir(prevDir);
    }
    this.detach(ct);
    this.detach(cf);
  }

  /**
   * Blocks in use, found by traversing the filesystem as lfs_fs_size does: 2 per metadata pair,
   * 1 per CTZ block of each file, plus open files' unsynced blocks (counted again if shared).
   * A fresh filesystem uses 2.
   */
  usedBlocks(): number {
    let n = 0;
    this.traverse(() => n++, false);
    return n;
  }
}
