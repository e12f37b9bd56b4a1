/**
 * The virtual micropython.org's package index, what `mip.install()` reads on the board: the
 * layout of the real index at https://micropython.org/pi/v2, serving the lab's own small
 * packages (their code is ours; none of micropython-lib's packages is here, so any other name is
 * "Package not found").
 *
 * - `/pi/v2/index.json` — every package, its version, description and the mpy versions served;
 * - `/pi/v2/package/<mpy>/<name>/<version>.json` — `{"hashes": [[path, hash]], "deps":
 *   [[name, version]], "version": …}` for `mpy` `py` (source) or a bytecode version number (the
 *   board asks for `sys.implementation._mpy & 0xFF`, 6) and `version` `latest` or the version;
 * - `/pi/v2/file/<first two hex>/<hash>` — a file by the first 8 hex digits of its SHA-256.
 * The real index serves compiled `.mpy` files under a bytecode version; this one serves the same
 * `.py` sources under every version (the lab has no cross-compiler), which mip installs alike.
 *
 *
 * {@link githubRawRoutes} is the virtual raw.githubusercontent.com, with one repository,
 * `esp8266-lab/examples`, holding the same files and a `package.json` (its `urls`), so that
 * `mip.install("github:esp8266-lab/examples/blinky.py")` has something to fetch.
 *
 * Sources: micropython-lib `micropython/mip` (the URL layout it requests, `package.json`'s
 * `hashes`/`urls`/`deps`/`version`), the MicroPython docs "Package management" (reference/packages.rst).
 */
import type { HttpRequest, HttpResponse, HttpRoute } from './services.ts';
import { sha256Hex } from './sha256.ts';

/** One package of the index: its files by their path under the install target, and its dependencies. */
export interface IndexPackage {
  name: string;
  version: string;
  description: string;
  files: Readonly<Record<string, string>>;
  deps: readonly (readonly [string, string])[];
}

const BLINKY = `# blinky: blink an LED. From the lab's package index (the virtual micropython.org).
import time
from machine import Pin

__version__ = "1.0.0"


def flash(led, ms=200):
    # one flash: on for ms, then off for ms
    led.on()
    time.sleep_ms(ms)
    led.off()
    time.sleep_ms(ms)


def blink(pin=13, times=3, ms=200):
    led = Pin(pin, Pin.OUT)
    for _ in range(times):
        flash(led, ms)
`;

const MORSE = `# morse: Morse code on an LED, with blinky. From the lab's package index.
import time
from machine import Pin
from blinky import flash

__version__ = "0.2.0"

CODE = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.", "G": "--.",
    "H": "....", "I": "..", "J": ".---", "K": "-.-", "L": ".-..", "M": "--", "N": "-.",
    "O": "---", "P": ".--.", "Q": "--.-", "R": ".-.", "S": "...", "T": "-", "U": "..-",
    "V": "...-", "W": ".--", "X": "-..-", "Y": "-.--", "Z": "--..", "0": "-----",
    "1": ".----", "2": "..---", "3": "...--", "4": "....-", "5": ".....", "6": "-....",
    "7": "--...", "8": "---..", "9": "----.",
}


def encode(text):
    # letters by spaces, words by " / "; characters without a code are left out
    words = []
    for word in text.upper().split():
        words.append(" ".join(CODE[c] for c in word if c in CODE))
    return " / ".join(words)


def send(text, pin=13, unit_ms=120):
    led = Pin(pin, Pin.OUT)
    for sign in encode(text):
        if sign == ".":
            flash(led, unit_ms)
        elif sign == "-":
            flash(led, 3 * unit_ms)
        else:
            time.sleep_ms(2 * unit_ms)
`;

const LABKIT_INIT = `# labkit: small helpers for the lab's exercises. From the lab's package index.
__version__ = "0.1.0"


def hello():
    print("labkit", __version__, "is installed")
`;

const LABKIT_WEATHER = `# labkit.weather: the virtual example.com's weather, as a dict (needs WiFi).
import requests

URL = "http://example.com/api/weather"


def now():
    r = requests.get(URL)
    try:
        return r.json()
    finally:
        r.close()
`;

/** The index's packages. */
export const PACKAGES: readonly IndexPackage[] = [
  { name: 'blinky', version: '1.0.0', description: 'Blink an LED.', files: { 'blinky.py': BLINKY }, deps: [] },
  { name: 'morse', version: '0.2.0', description: 'Morse code on an LED (needs blinky).', files: { 'morse.py': MORSE }, deps: [['blinky', 'latest']] },
  { name: 'labkit', version: '0.1.0', description: "Helpers for the lab's exercises: a package with a module inside.", files: { 'labkit/__init__.py': LABKIT_INIT, 'labkit/weather.py': LABKIT_WEATHER }, deps: [] },
];

/** The index's file name for `content`: the first 8 hex digits of its SHA-256 (what mip's `hashes` hold). */
export function shortHash(content: string): string {
  return sha256Hex(content).slice(0, 8);
}

const BY_HASH = new Map<string, string>();
for (const p of PACKAGES) for (const c of Object.values(p.files)) BY_HASH.set(shortHash(c), c);

const json = (v: unknown): HttpResponse => ({ status: 200, type: 'application/json', body: JSON.stringify(v) });

function packageJson(p: IndexPackage): unknown {
  return { hashes: Object.entries(p.files).map(([path, c]) => [path, shortHash(c)]), deps: p.deps, version: p.version };
}

/** The index under `/pi/v2/` (null for every other path: the host's other pages or a 404). */
export const packageIndexRoutes: HttpRoute = (req: HttpRequest) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') return null;
  const path = req.path;
  if (path === '/pi/v2/index.json') {
    return json({ v: 2, packages: PACKAGES.map((p) => ({ name: p.name, version: p.version, description: p.description, versions: { py: [p.version], '6': [p.version] } })) });
  }
  const pkg = /^\/pi\/v2\/package\/(py|\d+)\/([^/]+)\/([^/]+)\.json$/.exec(path);
  if (pkg) {
    const p = PACKAGES.find((x) => x.name === pkg[2]);
    if (!p || (pkg[3] !== 'latest' && pkg[3] !== p.version) || (pkg[1] !== 'py' && pkg[1] !== '6')) return null;
    return json(packageJson(p));
  }
  const file = /^\/pi\/v2\/file\/([0-9a-f]{2})\/([0-9a-f]{8})$/.exec(path);
  if (file && file[2]!.startsWith(file[1]!)) {
    const content = BY_HASH.get(file[2]!);
    if (content !== undefined) return { status: 200, type: 'application/octet-stream', body: content };
  }
  return null;
};

/** The example repository's files, by path (any branch or tag serves them). */
export const GITHUB_REPO = 'esp8266-lab/examples';
const REPO_FILES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(PACKAGES.flatMap((p) => Object.entries(p.files))),
  'package.json': JSON.stringify({ urls: [['morse.py', 'morse.py'], ['blinky.py', 'blinky.py']], version: '0.2.0' }, null, 2) + '\n',
};

/** raw.githubusercontent.com: `/<owner>/<repo>/<branch>/<path>` of {@link GITHUB_REPO}; 404 otherwise. */
export const githubRawRoutes: HttpRoute = (req: HttpRequest) => {
  const m = /^\/([^/]+\/[^/]+)\/[^/]+\/(.+)$/.exec(req.path);
  const content = m && m[1] === GITHUB_REPO ? REPO_FILES[m[2]!] : undefined;
  if (content === undefined) return { status: 404, type: 'text/plain; charset=utf-8', body: '404: Not Found' };
  return { status: 200, type: 'text/plain; charset=utf-8', body: content };
};
