/**
 * `mip` on the board over the virtual network (emulator/firmware/python/_fw_mip.py) from the
 * virtual micropython.org's package index and raw.githubusercontent.com (package-index.ts).
 * Expected text: micropython-lib micropython/mip as frozen in v1.27.0 ("Installing … (latest)
 * from https://micropython.org/pi/v2 to /lib", "Copying:", "Exists:", "Package not found:",
 * "Error 404 requesting", "Done", "Package may be partially installed") and the URL layout it
 * requests. On the esp8266 build an install from a package.json stops after copying the files
 * with AttributeError: 'str' object has no attribute 'rpartition' (str.rpartition is compiled out,
 * MICROPY_PY_BUILTINS_STR_PARTITION 0; the traceback through the frozen, line-less bytecode as in
 * micropython-lib issue #1013). Single files (a URL or github: name ending in .py) install fully.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';
import { PACKAGES, githubRawRoutes, packageIndexRoutes, shortHash } from './package-index.ts';
import type { HttpRequest } from './services.ts';
import { sha256Hex } from './sha256.ts';

const get = (path: string): HttpRequest => ({ method: 'GET', path, query: '', version: 'HTTP/1.0', headers: {}, body: new Uint8Array() });

describe('the package index (package-index.ts)', () => {
  it('serves package.json under the board\'s mpy version and "py", and files by the start of their SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'); // FIPS 180-4 example
    const blinky = PACKAGES.find((p) => p.name === 'blinky')!;
    for (const mpy of ['6', 'py']) {
      const r = packageIndexRoutes(get(`/pi/v2/package/${mpy}/blinky/latest.json`))!;
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body as string)).toEqual({ hashes: [['blinky.py', shortHash(blinky.files['blinky.py']!)]], deps: [], version: '1.0.0' });
    }
    expect(packageIndexRoutes(get('/pi/v2/package/6/blinky/1.0.0.json'))?.status).toBe(200);
    expect(packageIndexRoutes(get('/pi/v2/package/6/blinky/9.9.json'))).toBeNull();
    expect(packageIndexRoutes(get('/pi/v2/package/5/blinky/latest.json'))).toBeNull();
    expect(packageIndexRoutes(get('/pi/v2/package/6/umqtt.simple/latest.json'))).toBeNull(); // only the lab's own packages
    const h = shortHash(blinky.files['blinky.py']!);
    expect(packageIndexRoutes(get(`/pi/v2/file/${h.slice(0, 2)}/${h}`))?.body).toBe(blinky.files['blinky.py']);
    expect(packageIndexRoutes(get(`/pi/v2/file/zz/${h}`))).toBeNull();
    const morse = JSON.parse(packageIndexRoutes(get('/pi/v2/package/6/morse/latest.json'))!.body as string);
    expect(morse.deps).toEqual([['blinky', 'latest']]);
    const index = JSON.parse(packageIndexRoutes(get('/pi/v2/index.json'))!.body as string);
    expect(index.packages.map((p: { name: string }) => p.name)).toEqual(['blinky', 'morse', 'labkit']);
    expect(githubRawRoutes(get('/esp8266-lab/examples/HEAD/morse.py'))?.status).toBe(200);
    expect(githubRawRoutes(get('/someone/else/HEAD/morse.py'))?.status).toBe(404);
  });
});

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const CONNECT = "import network, time\nsta = network.WLAN(network.WLAN.IF_STA); sta.active(True); sta.connect('ESP-Lab', 'esp8266lab')\nwhile not sta.isconnected():\n    time.sleep_ms(100)";
const RPARTITION = 'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n  File "mip/__init__.py", line 1, in install\n  File "mip/__init__.py", line 1, in _install_package\n  File "mip/__init__.py", line 1, in _install_json\nAttributeError: \'str\' object has no attribute \'rpartition\'\n';

describe('mip at the REPL', () => {
  it.each(['1.27.0', '1.28.0'] as const)('installs from the index: copies the files, then stops at str.rpartition as the esp8266 build does (%s)', async (release) => {
    board = await TestBoard.boot({ sleepMode: 'instant', release });
    expect((await board.exec(CONNECT, 20000)).err).toBe('');
    const o = await board.session(
      [
        'import mip, os, sys',
        "mip, 'mip' in sys.modules, mip.install",
        "mip.install('nosuchpkg')",
        "mip.install('blinky')",
        "os.listdir('/lib')",
        'import blinky; blinky.blink(times=1, ms=5); blinky.__version__',
        "mip.install('blinky')",
        "mip.install('labkit', mpy=False)",
        "sorted(os.listdir('/lib/labkit'))",
        "mip.install('morse')",
        'import morse',
      ],
      30000,
    );
    expect(o[1]).toMatch(/^\(<module 'mip'>, True, <function install at /);
    expect(o[2]).toBe('Installing nosuchpkg (latest) from https://micropython.org/pi/v2 to /lib\nPackage not found: https://micropython.org/pi/v2/package/6/nosuchpkg/latest.json\nPackage may be partially installed\n');
    expect(o[3]).toBe(`Installing blinky (latest) from https://micropython.org/pi/v2 to /lib\nCopying: /lib/blinky.py\n${RPARTITION}`);
    expect(o[4]).toBe("['blinky.py']\n");
    expect(o[5]).toBe("'1.0.0'\n");
    expect(o[6]).toBe(`Installing blinky (latest) from https://micropython.org/pi/v2 to /lib\nExists: /lib/blinky.py\n${RPARTITION}`);
    expect(o[7]).toBe(`Installing labkit (latest) from https://micropython.org/pi/v2 to /lib\nCopying: /lib/labkit/__init__.py\nCopying: /lib/labkit/weather.py\n${RPARTITION}`);
    expect(o[8]).toBe("['__init__.py', 'weather.py']\n");
    // the dependency is not reached: morse imports blinky, which is there from before
    expect(o[9]).toBe(`Installing morse (latest) from https://micropython.org/pi/v2 to /lib\nCopying: /lib/morse.py\n${RPARTITION}`);
    expect(o[10]).toBe('');
  }, 60000);

  it('installs single files fully (github: names and URLs); a 404 and no lib directory are reported', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    expect((await board.exec(CONNECT, 20000)).err).toBe('');
    const o = await board.session(
      [
        'import mip, sys',
        "mip.install('github:esp8266-lab/examples/blinky.py')",
        "mip.install('github:esp8266-lab/examples/morse.py', version='main')",
        "import morse; morse.encode('SOS')",
        "mip.install('github:esp8266-lab/examples/nothere.py')",
        "mip.install('https://micropython.org/pi/v2/file/00/00000000.py')",
        "sys.path.remove('/lib'); mip.install('blinky')",
      ],
      30000,
    );
    expect(o[1]).toBe('Downloading github:esp8266-lab/examples/blinky.py to /lib\nCopying: /lib/blinky.py\nDone\n');
    expect(o[2]).toBe('Downloading github:esp8266-lab/examples/morse.py to /lib\nCopying: /lib/morse.py\nDone\n');
    expect(o[3]).toBe("'... --- ...'\n");
    expect(o[4]).toBe('Downloading github:esp8266-lab/examples/nothere.py to /lib\nError 404 requesting https://raw.githubusercontent.com/esp8266-lab/examples/HEAD/nothere.py\nPackage may be partially installed\n');
    expect(o[5]).toBe('Downloading https://micropython.org/pi/v2/file/00/00000000.py to /lib\nError 404 requesting https://micropython.org/pi/v2/file/00/00000000.py\nPackage may be partially installed\n');
    expect(o[6]).toBe('Unable to find lib dir in sys.path\n');
  }, 60000);

  it('without WiFi the request fails with the socket error', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session(["import mip; mip.install('blinky')"], 30000);
    expect(o[0]).toMatch(/^Installing blinky \(latest\) from https:\/\/micropython.org\/pi\/v2 to \/lib\nTraceback \(most recent call last\):\n  File "<stdin>", line 1, in <module>\n  File "mip\/__init__.py", line 1, in install\n[^]*OSError: -?\d+\n$/);
  }, 40000);

  it('is not in the 512K build', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '512K' });
    expect((await board.session(['import mip']))[0]).toContain("ImportError: no module named 'mip'");
  });
});
