/**
 * `vfs.VfsFat` on a program's own block device, as the v1.27.0 ESP8266 build has it
 * (ports/esp8266/mpconfigport.h MICROPY_VFS_FAT): extmod/vfs_fat.c (mkfs, mount, ilistdir,
 * stat, statvfs, remove/rmdir, rename, mkdir, chdir/getcwd), extmod/vfs_fat_file.c (open
 * modes, `<io.TextIOWrapper …>`, EINVAL on a closed file, ENOSPC, the finaliser that closes a
 * dropped file), extmod/vfs_fat_diskio.c (readblocks(n, buf)/writeblocks(n, buf) without an
 * offset, ioctl 1/3/4/5, the old count()/sync() protocol, no writeblocks: read-only). The
 * transcripts are our own programs; the figures they expect are FatFs R0.13c's (the layout
 * f_mkfs makes on a 50-sector disk: 16 clusters, as tests/extmod/vfs_fat_ramdisk.py.exp prints).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard;
beforeAll(async () => {
  board = await TestBoard.boot({ release: '1.27.0' }, 30_000);
}, 60_000);
afterAll(() => board?.dispose());

/** A RAM disk of 512-byte sectors (new protocol, no offset argument). */
const RAMDISK = `
import vfs, os
class RAMDisk:
    def __init__(self, n):
        self.data = bytearray(n * 512)
        self.calls = [0, 0, 0]
    def readblocks(self, n, buf):
        self.calls[0] += 1
        buf[:] = self.data[n * 512:n * 512 + len(buf)]
    def writeblocks(self, n, buf):
        self.calls[1] += 1
        self.data[n * 512:n * 512 + len(buf)] = buf
    def ioctl(self, op, arg):
        if op == 3:
            self.calls[2] += 1
        if op == 4:
            return len(self.data) // 512
        if op == 5:
            return 512
`;

/** Runs a program after a soft reset (a fresh heap: each makes a 25 KB RAM disk). */
async function run(code: string, setup = RAMDISK): Promise<string> {
  board.type('\x04');
  await board.waitFor('>>> ', 20_000);
  const r = await board.exec(setup + code, 60_000);
  return (r.out + r.err).replace(/\r\n/g, '\n');
}

describe('vfs.VfsFat on a RAM disk (extmod/vfs_fat.c)', () => {
  it('mkfs makes FAT12 with 16 clusters on 50 sectors; the class and the object print as the firmware prints them', async () => {
    const out = await run(`
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
print(d.data[54:62], d.data[510:512])
fs = vfs.VfsFat(d)
print(vfs.VfsFat, fs, os.VfsFat is vfs.VfsFat)
print(fs.statvfs('/'))
print(d.calls[2] > 0)
`);
    expect(out).toBe("bytearray(b'FAT     ') bytearray(b'U\\xaa')\n<class 'VfsFat'> <VfsFat> True\n(512, 512, 16, 16, 16, 0, 0, 0, 0, 255)\nTrue\n");
  });

  it('files: the 8.3 name on the disk, modes, seek, closed-file and exists errors', async () => {
    const out = await run(`
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
f = fs.open('foo_file.txt', 'w')
print(str(f)[:18], str(f)[-1:])
print(f.write('hello!'))
f.close()
f.close()
for op in (lambda: f.write('x'), lambda: f.read(), lambda: f.flush()):
    try:
        op()
    except OSError as e:
        print('closed', e.errno)
print(b'FOO_FILETXT' in d.data, b'hello!' in d.data)
try:
    fs.open('foo_file.txt', 'x')
except OSError as e:
    print('x', e.errno)
with fs.open('foo_file.txt', 'a') as f:
    f.write('world!')
with fs.open('foo_file.txt', 'rb') as f:
    print(f.read(), f.tell(), f.seek(-2, 2), f.read(1), f.seek(100), str(f)[:10])
with fs.open('foo_file.txt', 'w') as f:
    try:
        f.read()
    except OSError as e:
        print('write-only read', e.errno)
print(list(fs.ilistdir()), list(fs.ilistdir(b'/')))
try:
    fs.open('nope', 'r')
except OSError as e:
    print('missing', e.errno)
`);
    expect(out).toBe(
      '<io.TextIOWrapper  >\n6\nclosed 22\nclosed 22\nclosed 22\nTrue True\nx 17\n' +
        "b'hello!world!' 12 10 b'd' 12 <io.FileIO\nwrite-only read 13\n" +
        "[('foo_file.txt', 32768, 0, 0)] [(b'foo_file.txt', 32768, 0, 0)]\nmissing 2\n",
    );
  });

  it('directories: mkdir, chdir/getcwd, rename over a file, rmdir/remove errors (ENOTDIR, EISDIR, EACCES), stat', async () => {
    const out = await run(`
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
fs.mkdir('Sub')
with fs.open('Sub/a.txt', 'w') as f:
    f.write('data')
for op, p in ((fs.mkdir, 'Sub'), (fs.rmdir, 'Sub'), (fs.remove, 'Sub'), (fs.rmdir, 'Sub/a.txt'), (fs.chdir, 'Sub/a.txt'), (fs.remove, 'none'), (fs.stat, 'none')):
    try:
        op(p)
    except OSError as e:
        print(e.errno, end=' ')
print()
fs.chdir('sub')
print(fs.getcwd(), list(fs.ilistdir()))
with fs.open('b.txt', 'w') as f:
    f.write('other')
fs.rename('a.txt', 'b.txt')
print(list(fs.ilistdir()))
fs.rename('b.txt', '/moved.txt')
fs.chdir('..')
print(fs.getcwd(), fs.stat('/')[:7], fs.stat('Sub')[:7], fs.stat('moved.txt')[:7])
fs.rmdir('Sub')
print(list(fs.ilistdir()))
`);
    expect(out).toBe(
      '17 13 21 20 2 2 2 \n' +
        "/Sub [('a.txt', 32768, 0, 4)]\n[('b.txt', 32768, 0, 4)]\n" +
        '/ (16384, 0, 0, 0, 0, 0, 0) (16384, 0, 0, 0, 0, 0, 0) (32768, 0, 0, 0, 0, 0, 4)\n' +
        "[('moved.txt', 32768, 0, 4)]\n",
    );
  });

  it('vfs.mount: open() and os functions through the mount point; a disk without FAT needs mkfs=True; readonly gives EROFS', async () => {
    const out = await run(`
d = RAMDisk(50)
try:
    vfs.mount(d, '/fat')
except OSError as e:
    print('no fs', e.errno)
fs = vfs.VfsFat(d)
vfs.mount(fs, '/fat', mkfs=True)
os.chdir('/fat')
with open('t.txt', 'w') as f:
    f.write('through the mount')
print(os.listdir(), os.getcwd(), open('/fat/t.txt').read())
os.chdir('/')
vfs.umount('/fat')
vfs.mount(d, '/ro', readonly=True)
print(os.listdir('/ro'))
try:
    open('/ro/n', 'w')
except OSError as e:
    print('ro', e.errno)
vfs.umount('/ro')
`);
    expect(out).toBe("no fs 19\n['t.txt'] /fat through the mount\n['t.txt']\nro 30\n");
  });

  it('the mtime is the RTC when the file was written (2-second steps, seconds since 2000)', async () => {
    const out = await run(`
import machine, time
machine.RTC().datetime((2025, 6, 1, 0, 12, 34, 56, 0))
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
fs.open('t', 'w').close()
print(time.localtime(fs.stat('t')[8])[:6])
`);
    expect(out).toBe('(2025, 6, 1, 12, 34, 56)\n');
  });

  it('a full disk raises ENOSPC', async () => {
    const out = await run(`
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
f = fs.open('big', 'wb')
b = bytearray(512)
try:
    for i in range(17):
        f.write(b)
except OSError as e:
    print('ENOSPC', e.errno, i)
f.close()
print(fs.statvfs('/')[3], fs.stat('big')[6])
`);
    expect(out).toBe('ENOSPC 28 16\n0 8192\n');
  });

  it('the old protocol (count(), sync()) and a device without writeblocks (read-only: EROFS)', async () => {
    const out = await run(
      `
class Old:
    def __init__(self, n):
        self.data = bytearray(n * 512)
        self.synced = 0
    def readblocks(self, n, buf):
        buf[:] = self.data[n * 512:n * 512 + len(buf)]
    def writeblocks(self, n, buf):
        self.data[n * 512:n * 512 + len(buf)] = buf
    def sync(self):
        self.synced += 1
    def count(self):
        return len(self.data) // 512
d = Old(50)
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
with fs.open('f', 'w') as f:
    f.write('old')
print(list(fs.ilistdir()), d.synced > 0)
class RO:
    def __init__(self, data):
        self.data = data
    def readblocks(self, n, buf):
        buf[:] = self.data[n * 512:n * 512 + len(buf)]
    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // 512
ro = vfs.VfsFat(RO(d.data))
print(ro.open('f', 'r').read())
try:
    ro.mkdir('x')
except OSError as e:
    print('EROFS', e.errno)
try:
    vfs.VfsFat.mkfs(RO(d.data))
except OSError as e:
    print('mkfs', e.errno)
`,
      'import vfs, os\n',
    );
    expect(out).toBe("[('f', 32768, 0, 3)] True\nold\nEROFS 30\nmkfs 30\n");
  });

  it("the device's own exception comes out of the VfsFat call", async () => {
    const out = await run(`
class Bad(RAMDisk):
    def readblocks(self, n, buf):
        raise ValueError('bad sector %d' % n)
try:
    vfs.VfsFat(Bad(50))
except ValueError as e:
    print(e)
`);
    expect(out).toBe('bad sector 0\n');
  });

  it('open() of a VfsFat object takes the mode (fat_vfs_open has three arguments)', async () => {
    const out = await run(`
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
try:
    vfs.VfsFat(d).open('x')
except TypeError as e:
    print(e)
`);
    expect(out).toBe('function takes 3 positional arguments but 2 were given\n');
  });

  it('a file dropped without close() is closed by the garbage collector (vfs_fat_file.c __del__) once the program returns', async () => {
    const before = await run(`
d = RAMDisk(50)
vfs.VfsFat.mkfs(d)
fs = vfs.VfsFat(d)
def make():
    f = fs.open('dropped', 'w')
    f.write('kept')
make()
print(fs.stat('dropped')[6])
`);
    expect(before).toBe('0\n'); // not closed yet: its directory entry has no size
    // the WebAssembly build collects between top-level calls (the next line at the REPL here)
    const r = await board.exec("import gc; gc.collect()\nprint(repr(fs.open('dropped', 'r').read()), fs.stat('dropped')[6])", 30_000);
    expect(r.out.replace(/\r\n/g, '\n') + r.err).toBe("'kept' 4\n");
    const again = await board.exec("f = fs.open('closed', 'w'); f.write('twice'); f.close(); f = None\nprint(fs.open('closed', 'r').read())", 30_000);
    expect(again.out.replace(/\r\n/g, '\n') + again.err).toBe('twice\n');
  });
});
