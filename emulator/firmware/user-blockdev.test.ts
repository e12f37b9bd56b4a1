/**
 * A program's own block device under `vfs.VfsLfs2` and `vfs.mount` (MicroPython v1.27.0):
 * extmod/vfs_lfsx.c `init_config` asks the device's `ioctl` for the block size (5) and count
 * (4) and calls `readblocks(block, buf, off)` / `writeblocks(block, buf, off)` /
 * `ioctl(6, block)` through the extended interface (extmod/vfs_blockdev.c); extmod/vfs.c
 * `mp_vfs_autodetect` looks for "littlefs" at offset 8 of blocks 0 and 1; vfs_lfs.c keeps each
 * file's mtime in the littlefs attribute 't'. The expected figures are those of the v1.27.0
 * tests tests/extmod/vfs_blockdev.py, vfs_lfs_mtime.py and vfs_lfs_superblock.py (their .exp
 * files), which a real ESP8266 passes; the transcripts here are our own code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

/** A RAM block device with the extended interface (our own; the MicroPython docs' shape). */
const RAMDEV = `
import vfs, os
class RAMDev:
    def __init__(self, size, n):
        self.size = size
        self.mem = bytearray(size * n)
        self.calls = [0, 0, 0]
    def readblocks(self, n, buf, off=0):
        self.calls[0] += 1
        a = n * self.size + off
        buf[:] = self.mem[a:a + len(buf)]
    def writeblocks(self, n, buf, off=None):
        self.calls[1] += 1
        a = n * self.size + (off or 0)
        self.mem[a:a + len(buf)] = buf
    def ioctl(self, op, arg):
        if op == 4:
            return len(self.mem) // self.size
        if op == 5:
            return self.size
        if op == 6:
            self.calls[2] += 1
            return 0
`;

async function run(b: TestBoard, code: string): Promise<string> {
  const r = await b.exec(code, 20_000);
  return (r.out + r.err).replace(/\r\n/g, '\n');
}

describe('vfs.VfsLfs2 on a block device object (extmod/vfs_lfsx.c, extmod/vfs_blockdev.c)', () => {
  it('mkfs, statvfs, files, directories and ilistdir on 50 blocks of 512 bytes', async () => {
    board = await TestBoard.boot();
    const out = await run(board, `${RAMDEV}
d = RAMDev(512, 50)
vfs.VfsLfs2.mkfs(d)
fs = vfs.VfsLfs2(d)
print(fs)
print(fs.statvfs('/'))
f = fs.open('test', 'w')
for i in range(10):
    f.write('some data')
f.close()
print(list(fs.ilistdir()))
with fs.open('test', 'r') as f:
    print(f.read())
fs.mkdir('sub')
fs.chdir('sub')
fs.open('x.bin', 'wb').close()
print(fs.getcwd(), list(fs.ilistdir()), fs.stat('/test')[6])
fs.rename('/test', 'moved')
fs.chdir('..')
print(sorted(fs.ilistdir()), list(fs.ilistdir('sub')))
fs.remove('sub/x.bin')
print(list(fs.ilistdir(b'sub')), d.calls[0] > 0, d.calls[1] > 0, d.calls[2] > 0)
`);
    // tests/extmod/vfs_blockdev.py.exp: (512, 512, 50, 48, 48, 0, 0, 0, 0, 255) and the 90-byte file
    expect(out).toBe(
      '<VfsLfs2>\n(512, 512, 50, 48, 48, 0, 0, 0, 0, 255)\n' +
        "[('test', 32768, 0, 90)]\n" +
        'some data'.repeat(10) + '\n' +
        "/sub [('x.bin', 32768, 0, 0)] 90\n" +
        "[('sub', 16384, 0, 0)] [('moved', 32768, 0, 90), ('x.bin', 32768, 0, 0)]\n" +
        "[(b'moved', 32768, 0, 90)] True True True\n",
    );
  });

  it('vfs.mount at a path: open(), os.listdir, os.stat and os.statvfs reach it; umount; a remount finds the files', async () => {
    board = await TestBoard.boot();
    const out = await run(board, `${RAMDEV}
d = RAMDev(512, 16)
vfs.VfsLfs2.mkfs(d)
vfs.mount(d, '/ram')
with open('/ram/hello.txt', 'w') as f:
    f.write('hi from RAM')
print(os.listdir('/ram'), os.stat('/ram/hello.txt')[6], os.statvfs('/ram')[:3])
print(os.listdir('/'))
vfs.umount('/ram')
print(os.listdir('/'))
vfs.mount(vfs.VfsLfs2(d), '/ram', readonly=True)
print(open('/ram/hello.txt').read())
try:
    open('/ram/new', 'w')
except OSError as e:
    print('OSError', e.errno)
vfs.umount('/ram')
`);
    // the mount table keeps the root mount last (extmod/vfs.c mp_vfs_mount): '/' lists 'ram' first
    expect(out).toBe(
      "['hello.txt'] 11 (512, 512, 16)\n['ram', 'boot.py']\n['boot.py']\nhi from RAM\nOSError 30\n",
    );
  });

  it('keeps mtime as the board does (tests/extmod/vfs_lfs_mtime.py); the board\'s own files have one too', async () => {
    board = await TestBoard.boot();
    const out = await run(board, `${RAMDEV}
import time, machine
machine.RTC().datetime((2025, 6, 1, 0, 12, 0, 0, 0))
d = RAMDev(512, 16)
vfs.VfsLfs2.mkfs(d)
fs = vfs.VfsLfs2(d)
t0 = time.time()
fs.open('a', 'w').close()
time.sleep(1)
fs.open('b', 'w').close()
a, b = fs.stat('a'), fs.stat('b')
print(a[8] != 0, t0 <= a[8] <= t0 + 1, a[8] < b[8], a[7] == a[8] == a[9])
time.sleep(1)
fs.open('a', 'r').close()
print(fs.stat('a') == a)
fs = vfs.VfsLfs2(d, mtime=False)
fs.open('a', 'w').close()
print(fs.stat('a') == a)
open('stamp.txt', 'w').close()
print(abs(os.stat('stamp.txt')[8] - time.time()) <= 1, os.stat('stamp.txt')[8] > 0)
`);
    expect(out).toBe('True True True True\nTrue\nTrue\nTrue True\n');
  });

  it('mount finds the superblock in block 1 when block 0 is erased (tests/extmod/vfs_lfs_superblock.py)', async () => {
    board = await TestBoard.boot();
    const out = await run(board, `${RAMDEV}
d = RAMDev(128, 16)
vfs.VfsLfs2.mkfs(d)
d.mem[0:128] = b'\\xff' * 128
print(list(vfs.VfsLfs2(d).ilistdir()))
vfs.mount(d, '/userfs')
print(os.listdir('/userfs'))
vfs.umount('/userfs')
`);
    expect(out).toBe('[]\n[]\n');
  });

  it("the device's own exceptions and return codes reach the caller, as the firmware's are", async () => {
    board = await TestBoard.boot();
    const out = await run(board, `${RAMDEV}
class Bad(RAMDev):
    def readblocks(self, n, buf, off=0):
        raise ValueError('no disk')
try:
    vfs.VfsLfs2(Bad(512, 4))
except ValueError as e:
    print('ValueError', e)
class Fails(RAMDev):
    def readblocks(self, n, buf, off=0):
        return -5
try:
    vfs.VfsLfs2(Fails(512, 4))
except OSError as e:
    print('OSError', e.errno)
class NoSize(RAMDev):
    def ioctl(self, op, arg):
        return None
try:
    vfs.VfsLfs2(NoSize(512, 4))
except TypeError as e:
    print('TypeError', e)
try:
    vfs.VfsLfs2(RAMDev(512, 8))
except OSError as e:
    print('blank', e.errno)
`);
    // a blank device: LFS_ERR_CORRUPT (84); mp_obj_get_int(None): py/obj.c's TypeError
    expect(out).toBe("ValueError no disk\nOSError 5\nTypeError can't convert NoneType to int\nblank 84\n");
  });

  it('vfs.mount(bdev) tells the formats apart as mp_vfs_autodetect does: "littlefs" in block 0 or 1, else FAT', async () => {
    board = await TestBoard.boot({}, 30_000);
    const out = await run(board, `${RAMDEV}
d = RAMDev(512, 50)
vfs.VfsFat.mkfs(d)
vfs.mount(d, '/dev1')
with open('/dev1/fat.txt', 'w') as f:
    f.write('on FAT')
print(os.listdir('/dev1'), os.statvfs('/dev1')[:4])
vfs.umount('/dev1')
vfs.VfsLfs2.mkfs(d)
vfs.mount(d, '/dev1')
print(os.listdir('/dev1'), os.statvfs('/dev1')[:4])
vfs.umount('/dev1')
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
print(fs, list(fs.ilistdir()))
`);
    // FatFs on 50 sectors: 16 clusters of 512 bytes (vfs_blockdev.py.exp), one used by the file;
    // littlefs: 50 blocks, 2 for the superblock pair
    expect(out).toBe("['fat.txt'] (512, 512, 16, 15)\n[] (512, 512, 50, 48)\n<VfsFat> []\n");
  });
});
