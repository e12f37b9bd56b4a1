# `upysh` (micropython-lib, frozen in the ESP8266_GENERIC 2 MiB+ build by manifest_2MiB.py),
# written for the emulator from its documented behaviour: a minimal shell for the REPL, meant for
# `from upysh import *`, which prints the `man` text. `ls`, `pwd`, `clear` and `man` act when the
# REPL shows them (their repr); `ls(path)`, `head(file, n=10)`, `cat(file)`, `cp(src, dest)`
# (into a directory keeps the name), `newfile(path)` (lines until Ctrl-D), `rm(path,
# recursive=False)` (prints "rm of '...' failed" instead of raising); `cd`, `mkdir`, `mv`,
# `rmdir` are os.chdir/mkdir/rename/rmdir. `from upysh import *` also binds LS, PWD, CLEAR, Man,
# sys and os, as the frozen module has no __all__.
import sys
import os

_DIR = 0x4000  # S_IFDIR, as os.ilistdir reports a directory


class LS:
    def __repr__(self):
        self()
        return ''

    def __call__(self, path='.'):
        entries = sorted(os.ilistdir(path))
        # directories first, then files with their sizes; then the filesystem's free space
        for e in entries:
            if e[1] == _DIR:
                print('    <dir> ' + e[0])
        for e in entries:
            if e[1] != _DIR:
                print(('%9d ' % e[3] if len(e) > 3 else ' ' * 10) + e[0])
        try:
            s = os.statvfs(path)
        except Exception:
            return
        print('\n{:,d}k free'.format(s[1] * s[3] // 1024))


class PWD:
    def __repr__(self):
        return os.getcwd()

    def __call__(self):
        return os.getcwd()


class CLEAR:
    # the VT100 "erase screen" and "cursor home" sequences, shown by the REPL
    def __repr__(self):
        return '\x1b[2J\x1b[H'

    def __call__(self):
        return '\x1b[2J\x1b[H'


class Man:
    def __repr__(self):
        return ('\nupysh is intended to be imported using:\nfrom upysh import *\n\n'
                'To see this help text again, type "man".\n\nupysh commands:\n'
                'clear, ls, ls(...), head(...), cat(...), newfile(...)\n'
                "cp('src', 'dest'), mv('old', 'new'), rm(...)\n"
                'pwd, cd(...), mkdir(...), rmdir(...)\n')


def head(f, n=10):
    with open(f) as fh:
        while n > 0:
            line = fh.readline()
            if not line:
                return
            sys.stdout.write(line)
            n -= 1


def cat(f):
    head(f, 1 << 30)


def cp(s, t):
    try:
        if os.stat(t)[0] & _DIR:
            t = t.rstrip('/') + '/' + s
    except OSError:
        pass
    buf = bytearray(512)
    mv_ = memoryview(buf)
    with open(s, 'rb') as src:
        with open(t, 'wb') as dst:
            n = src.readinto(buf)
            while n > 0:
                dst.write(mv_[:n])
                n = src.readinto(buf)


def newfile(path):
    print('Type file contents line by line, finish with EOF (Ctrl+D).')
    with open(path, 'w') as f:
        while True:
            try:
                line = input()
            except EOFError:
                return
            f.write(line)
            f.write('\n')


def rm(d, recursive=False):
    try:
        if recursive and os.stat(d)[0] & _DIR:
            for e in os.ilistdir(d):
                if e[0] not in ('.', '..'):
                    rm(d + '/' + e[0])  # the entries themselves: files, or directories (which fail)
            os.rmdir(d)
        else:
            os.remove(d)
    except Exception:
        print("rm of '%s' failed" % d)


man = Man()
pwd = PWD()
ls = LS()
clear = CLEAR()
cd = os.chdir
mkdir = os.mkdir
mv = os.rename
rmdir = os.rmdir

print(man)
