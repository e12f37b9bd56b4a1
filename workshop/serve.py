#!/usr/bin/env python3
"""ESP8266 Lab - workshop server (Python 3.8+, standard library only).

The same server as serve.mjs, for computers without Node: serves the built site in site/ beside
this file (or --root DIR) with the lab's cross-origin isolation headers (COOP, COEP, CORP), the
precompressed .br/.gz copies of the bundle, and the serial relay of RELAY.md (/__lab/relay).

Run `python3 serve.py --help` for the options.
"""

import argparse
import collections
import email.utils
import errno
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PORT = 8266

# The site's Content-Security-Policy, as `astro preview` sends it (CSP_HEADER in
# src/integrations/csp.mjs; workshop/servers.test.ts checks they are the same string).
CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

# Headers on every answer: cross-origin isolation, the CSP.
ISOLATION = (
    ("Content-Security-Policy", CSP),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Embedder-Policy", "require-corp"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
)

# Our own table: the system's (mimetypes, the Windows registry) may call .js text/plain.
MIME = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".bin": "application/octet-stream",
    # Pagefind's search index (already gzip-compressed; pagefind.js unpacks it itself)
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}

RELAY_MAX_BODY = 65536
RELAY_MAX_LOG = 1 << 20
RELAY_MAX_CHANNELS = 256
RELAY_IDLE_S = 600.0
RELAY_MAX_WAIT_MS = 30000
RELAY_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RELAY_PATH = re.compile(r"^/__lab/relay/([^/]*)/(in|wait)$")
DECIMAL = re.compile(r"^[0-9]{1,15}$")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
DRAIN_LIMIT = 1 << 20


# ------------------------------------------------------------------------------------------------
# request paths

def parse_target(target):
    """Splits a request target into (status, pathname, query, segments, slash).

    Every stage of percent-decoding (so %252e%252e too) is checked for '..' segments,
    backslashes, NUL bytes and colons; any of them gives status 403. A malformed escape gives 400.
    segments are the path decoded once; slash is True when it ends in '/'.
    """
    t = target
    m = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*", t)
    if m:
        t = t[m.end():] or "/"
    if not t.startswith("/"):
        return 400, None, None, None, None
    cut = re.search(r"[?#]", t)
    pathname = t if cut is None else t[:cut.start()]
    query = "" if cut is None or t[cut.start()] == "#" else t[cut.start():].split("#", 1)[0]
    stage = pathname
    once = None
    for rnd in range(6):
        if "\\" in stage or "\0" in stage:
            return 403, None, None, None, None
        if any(s == ".." or ":" in s for s in stage.split("/")):
            return 403, None, None, None, None
        if "%" not in stage:
            break
        if BAD_ESCAPE.search(stage):
            if rnd == 0:
                return 400, None, None, None, None
            break
        try:
            nxt = unquote(stage, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            if rnd == 0:
                return 400, None, None, None, None
            break
        if once is None:
            once = nxt
        if nxt == stage:
            break
        stage = nxt
    decoded = pathname if once is None else once
    segments = [s for s in decoded.split("/") if s not in ("", ".")]
    return 200, pathname, query, segments, decoded.endswith("/")


def inside(parent, child):
    """True when child is parent or lies inside it (both absolute, already resolved)."""
    try:
        rel = os.path.relpath(child, parent)
    except ValueError:  # another drive on Windows
        return False
    return rel == os.curdir or not (rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel))


def stat_inside(real_root, path):
    """(stat, real path) of path, 'forbidden' when its real path leaves the root, None when absent."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    real = os.path.realpath(path)
    if not inside(real_root, real):
        return "forbidden"
    return st, real


def accepted_encodings(header):
    """The precompressed encodings the client accepts, br before gzip; q=0 refuses one."""
    if not header:
        return []
    q = {}
    for part in header.split(","):
        bits = part.strip().lower().split(";")
        name = bits[0].strip()
        if not name:
            continue
        weight = 1.0
        for p in bits[1:]:
            m = re.match(r"^\s*q\s*=\s*([0-9.]+)\s*$", p)
            if m:
                try:
                    weight = float(m.group(1))
                except ValueError:
                    weight = 0.0
        q[name] = weight
    out = []
    for name in ("br", "gzip"):
        w = q.get(name, q.get("*", 0.0))
        if w > 0:
            out.append(name)
    return out


# ------------------------------------------------------------------------------------------------
# the relay (RELAY.md)

class Waiter(object):
    __slots__ = ("after", "result")

    def __init__(self, after):
        self.after = after
        self.result = None  # (bytes, at) once answered


class Channel(object):
    __slots__ = ("log", "start", "waiter", "used")

    def __init__(self):
        self.log = bytearray()
        self.start = 0
        self.waiter = None
        self.used = time.monotonic()

    def end(self):
        return self.start + len(self.log)


class Relay(object):
    """One byte log per channel id with at most one held waiter; offsets are stream positions."""

    def __init__(self):
        self.cond = threading.Condition()
        self.channels = collections.OrderedDict()
        self.swept = time.monotonic()

    def _channel(self, cid):
        now = time.monotonic()
        if now - self.swept >= 60:
            self.swept = now
            for old_id in [k for k, c in self.channels.items() if now - c.used >= RELAY_IDLE_S and c.waiter is None]:
                del self.channels[old_id]
        ch = self.channels.get(cid)
        if ch is None:
            while len(self.channels) >= RELAY_MAX_CHANNELS:
                _, old = self.channels.popitem(last=False)
                self._release(old)
            ch = Channel()
            self.channels[cid] = ch
        else:
            self.channels.move_to_end(cid)
        ch.used = now
        return ch

    def _release(self, ch):
        w = ch.waiter
        if w is not None:
            ch.waiter = None
            w.result = (b"", max(w.after, ch.end()))
            self.cond.notify_all()

    @staticmethod
    def _bytes_after(ch, after):
        frm = max(after, ch.start)
        i = frm - ch.start
        return bytes(ch.log[i:i + RELAY_MAX_BODY]), frm

    def append(self, cid, at, body):
        """Adds body, whose first byte has stream offset at (overlap dropped, a gap restarts)."""
        with self.cond:
            ch = self._channel(cid)
            end = ch.end()
            if at > end:
                ch.log = bytearray(body)
                ch.start = at
            elif end - at < len(body):
                ch.log += body[end - at:]
            if len(ch.log) > RELAY_MAX_LOG:
                drop = len(ch.log) - RELAY_MAX_LOG
                del ch.log[:drop]
                ch.start += drop
            w = ch.waiter
            if w is not None and ch.end() > max(w.after, ch.start):
                ch.waiter = None
                w.result = self._bytes_after(ch, w.after)
                self.cond.notify_all()

    def wait(self, cid, after, ms, gone):
        """Drops bytes before after, then returns (bytes, at) at once or within ms milliseconds.

        gone() is polled while holding; it returns True when the client went away, and then
        wait returns None (nothing to answer).
        """
        with self.cond:
            ch = self._channel(cid)
            self._release(ch)
            end = ch.end()
            if after > ch.start:
                drop = min(after, end) - ch.start
                del ch.log[:drop]
                ch.start += drop
            if end > after:
                return self._bytes_after(ch, after)
            waiter = Waiter(after)
            ch.waiter = waiter
            deadline = time.monotonic() + min(ms, RELAY_MAX_WAIT_MS) / 1000.0
            while waiter.result is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    if ch.waiter is waiter:
                        self._release(ch)
                    break
                self.cond.wait(min(left, 0.2))
                if waiter.result is None and gone():
                    if ch.waiter is waiter:
                        ch.waiter = None
                    return None
            return waiter.result

    def close(self):
        with self.cond:
            for ch in self.channels.values():
                self._release(ch)


def query_map(query):
    out = {}
    for part in query.lstrip("?").split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        out.setdefault(k, v)
    return out


def decimal(s):
    if s is None or not DECIMAL.match(s):
        return None
    return int(s)


# ------------------------------------------------------------------------------------------------
# the handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESP8266LabWorkshop/1"
    timeout = 65
    real_root = ""
    relay = None
    verbose = False

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(15)
            try:
                self.request.do_handshake()
            except (OSError, ssl.SSLError):
                self.close_connection = True
        BaseHTTPRequestHandler.setup(self)

    def handle(self):
        try:
            BaseHTTPRequestHandler.handle(self)
        except (ConnectionError, ssl.SSLError, socket.timeout):
            pass

    def end_headers(self):
        for k, v in ISOLATION:
            self.send_header(k, v)
        BaseHTTPRequestHandler.end_headers(self)

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stdout.write("%s %s %s\n" % (self.log_date_time_string(), self.address_string(), fmt % args))

    def log_error(self, fmt, *args):
        if self.verbose:
            BaseHTTPRequestHandler.log_error(self, fmt, *args)

    # --- helpers

    def _send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _plain(self, status, text, extra=()):
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
        headers.extend(extra)
        self._send(status, headers, (text + "\n").encode("utf-8"))

    def _content_length(self):
        """(True, n) for a Content-Length header, (True, None) when it is not a number (the
        connection then closes: its body cannot be found), (False, None) without one."""
        length = self.headers.get("Content-Length")
        if length is None:
            return False, None
        try:
            return True, int(length)
        except ValueError:
            self.close_connection = True
            return True, None

    def _drain(self):
        """Reads and discards the request body so the connection stays usable."""
        present, n = self._content_length()
        if present:
            if n is None:
                return
            if n > DRAIN_LIMIT:
                self.close_connection = True
                return
            while n > 0:
                chunk = self.rfile.read(min(n, 65536))
                if not chunk:
                    break
                n -= len(chunk)
        elif "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._read_chunked(DRAIN_LIMIT)

    def _read_chunked(self, limit):
        """The body of a chunked request, or None past limit bytes (then the connection closes)."""
        parts = []
        size = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                n = int(line.split(b";", 1)[0].strip() or b"0", 16)
            except ValueError:
                self.close_connection = True
                return None
            if n == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            size += n
            if size > limit:
                self.close_connection = True
                return None
            parts.append(self.rfile.read(n))
            self.rfile.readline(16)

    def _not_found(self):
        page = os.path.join(self.real_root, "404.html")
        try:
            with open(page, "rb") as f:
                body = f.read()
        except OSError:
            return self._plain(404, "Not found")
        self._send(404, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache")], body)

    def _client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if not r:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except ValueError:
            # TLS sockets refuse MSG_PEEK: treat the client as present until the wait ends
            return False
        except OSError:
            return True

    # --- methods

    def do_GET(self):
        self._route()

    def do_HEAD(self):
        self._route()

    def do_POST(self):
        self._route()

    def do_PUT(self):
        self._route()

    def do_DELETE(self):
        self._route()

    def do_PATCH(self):
        self._route()

    def do_OPTIONS(self):
        self._route()

    def _route(self):
        status, pathname, query, segments, slash = parse_target(self.path)
        if status == 400:
            self._drain()
            return self._plain(400, "Bad request")
        if status == 403:
            self._drain()
            return self._plain(403, "Forbidden")
        if pathname == "/__lab" or pathname.startswith("/__lab/"):
            if pathname == "/__lab/relay" or pathname.startswith("/__lab/relay/"):
                return self._relay(pathname, query)
            self._drain()
            return self._plain(404, "Not found")
        if self.command not in ("GET", "HEAD"):
            self._drain()
            return self._plain(405, "Method not allowed", [("Allow", "GET, HEAD")])
        self._static(pathname, query, segments, slash)

    def _relay(self, pathname, query):
        def fail(code, text, extra=()):
            self._drain()
            self._plain(code, text, extra)

        if pathname == "/__lab/relay":
            if self.command not in ("GET", "HEAD"):
                return fail(405, "Method not allowed", [("Allow", "GET, HEAD")])
            return self._send(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], b'{"relay":1}')
        m = RELAY_PATH.match(pathname)
        if not m:
            return fail(404, "Not found")
        if self.command != "POST":
            return fail(405, "Method not allowed", [("Allow", "POST")])
        cid, action = m.group(1), m.group(2)
        if not RELAY_ID.match(cid):
            return fail(400, "Bad channel id")
        q = query_map(query)
        if action == "in":
            at = decimal(q.get("at"))
            if at is None:
                return fail(400, 'Bad "at"')
            present, n = self._content_length()
            if present:
                if n is None:
                    return self._plain(400, "Bad Content-Length")
                if n > RELAY_MAX_BODY:
                    self._drain()
                    return self._plain(413, "Body larger than 65536 bytes")
                body = self.rfile.read(n) if n > 0 else b""
            elif "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body = self._read_chunked(RELAY_MAX_BODY)
                if body is None:
                    return self._plain(413, "Body larger than 65536 bytes", [("Connection", "close")])
            else:
                body = b""
            if not body:
                return self._plain(400, "Empty body")
            self.relay.append(cid, at, body)
            self.send_response(204)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return
        after = decimal(q.get("after"))
        ms = decimal(q.get("ms"))
        if after is None:
            return fail(400, 'Bad "after"')
        if ms is None:
            return fail(400, 'Bad "ms"')
        self._drain()
        result = self.relay.wait(cid, after, ms, self._client_gone)
        if result is None:
            self.close_connection = True
            return
        body, at = result
        self._send(200, [
            ("Content-Type", "application/octet-stream"),
            ("Cache-Control", "no-store"),
            ("X-Relay-At", str(at)),
        ], body)

    def _static(self, pathname, query, segments, slash):
        path = os.path.join(self.real_root, *segments) if segments else self.real_root
        if not inside(self.real_root, os.path.abspath(path)):
            return self._plain(403, "Forbidden")
        found = stat_inside(self.real_root, path)
        if found == "forbidden":
            return self._plain(403, "Forbidden")
        if found is None:
            return self._not_found()
        st, real = found
        if os.path.isdir(real):
            index = stat_inside(self.real_root, os.path.join(real, "index.html"))
            if index == "forbidden":
                return self._plain(403, "Forbidden")
            if index is None or not os.path.isfile(index[1]):
                return self._not_found()
            if not slash and segments:
                # collapse leading slashes so the Location can never name another host (//evil/)
                location = "/" + pathname.lstrip("/") + "/" + query
                return self._plain(301, "Moved to " + location, [("Location", location)])
            return self._file(index[1], index[0], pathname)
        if not os.path.isfile(real) or slash:
            return self._not_found()
        self._file(real, st, pathname)

    def _file(self, real, st, pathname):
        ext = os.path.splitext(real)[1].lower()
        ctype = MIME.get(ext, "application/octet-stream")
        served, served_st, encoding, variants = real, st, None, False
        accepted = accepted_encodings(self.headers.get("Accept-Encoding"))
        for enc, suffix in (("br", ".br"), ("gzip", ".gz")):
            copy = stat_inside(self.real_root, real + suffix)
            if copy is None or copy == "forbidden" or not os.path.isfile(copy[1]):
                continue
            variants = True
            if encoding is None and enc in accepted:
                encoding, served, served_st = enc, copy[1], copy[0]
        mtime_ms = int(served_st.st_mtime * 1000)
        etag = '"%s-%s%s"' % (base36(served_st.st_size), base36(mtime_ms), "-" + encoding if encoding else "")
        headers = [
            ("Content-Type", ctype),
            ("ETag", etag),
            ("Last-Modified", email.utils.formatdate(served_st.st_mtime, usegmt=True)),
            ("Cache-Control", "public, max-age=31536000, immutable" if pathname.startswith("/_astro/") else "no-cache"),
        ]
        if variants:
            headers.append(("Vary", "Accept-Encoding"))
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = any(t.strip() == "*" or re.sub(r"^W/", "", t.strip()) == etag for t in inm.split(","))
        elif ims is not None:
            try:
                since = email.utils.parsedate_to_datetime(ims).timestamp()
                fresh = int(served_st.st_mtime) <= since
            except (TypeError, ValueError, IndexError, OverflowError):
                fresh = False
        if fresh:
            self.send_response(304)
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            return
        if encoding:
            headers.append(("Content-Encoding", encoding))
        try:
            f = open(served, "rb")
        except OSError:
            return self._not_found()
        with f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if self.command != "HEAD":
                shutil.copyfileobj(f, self.wfile, 65536)


def base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


# ------------------------------------------------------------------------------------------------
# LAN, certificates

def lan_addresses():
    """Non-loopback IPv4 addresses of this computer (best effort with the standard library)."""
    out = []

    def add(ip):
        if ip and not ip.startswith("127.") and ip != "0.0.0.0" and not ip.startswith("169.254.") and ip not in out:
            out.append(ip)

    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent; this picks the outgoing interface
            add(s.getsockname()[0])
        finally:
            s.close()
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            add(info[4][0])
    except OSError:
        pass
    return out


def certificate(ips):
    """(cert file, key file, created, folder): the one in certs/ when it still names localhost,
    127.0.0.1 and ips and is under 360 days old, else a new one made with the openssl command."""
    names = ["localhost", "127.0.0.1"] + list(ips)
    for folder in (os.path.join(HERE, "certs"), os.path.join(tempfile.gettempdir(), "esp8266-lab-certs")):
        cert, key, listed = (os.path.join(folder, n) for n in ("cert.pem", "key.pem", "names.txt"))
        try:
            with open(listed, "r", encoding="utf-8") as f:
                have = set(line.strip() for line in f if line.strip())
            fresh = time.time() - os.path.getmtime(cert) < 360 * 86400
            if fresh and os.path.isfile(key) and all(n in have for n in names):
                return cert, key, False, folder
        except OSError:
            pass
    openssl = shutil.which("openssl")
    if not openssl:
        raise RuntimeError(
            "--https needs the openssl command, which this computer does not have.\n"
            "Use the Node server for HTTPS instead: node serve.mjs --https (Node from https://nodejs.org)."
        )
    san = ", ".join(("IP:" if re.match(r"^\d", n) else "DNS:") + n for n in names)
    config = (
        "[req]\ndistinguished_name = dn\nx509_extensions = v3\nprompt = no\n"
        "[dn]\nCN = ESP8266 Lab workshop\n"
        "[v3]\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\n"
        "extendedKeyUsage = serverAuth\nsubjectAltName = " + san + "\n"
    )
    last_error = None
    for folder in (os.path.join(HERE, "certs"), os.path.join(tempfile.gettempdir(), "esp8266-lab-certs")):
        try:
            os.makedirs(folder, exist_ok=True)
            cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
            cfg = os.path.join(folder, "openssl.cnf")
            with open(cfg, "w", encoding="utf-8") as f:
                f.write(config)
            subprocess.run(
                [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "365",
                 "-keyout", key, "-out", cert, "-config", cfg],
                check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )
            os.remove(cfg)
            with open(os.path.join(folder, "names.txt"), "w", encoding="utf-8") as f:
                f.write("\n".join(names) + "\n")
            return cert, key, True, folder
        except (OSError, subprocess.CalledProcessError) as e:
            last_error = e
    raise RuntimeError("could not make a certificate with openssl (%s). Use: node serve.mjs --https" % last_error)


# ------------------------------------------------------------------------------------------------
# main

class Server(ThreadingHTTPServer):
    daemon_threads = True
    # On Windows SO_REUSEADDR lets two servers share a port: keep the bind exclusive there.
    allow_reuse_address = os.name != "nt"


def build_parser():
    p = argparse.ArgumentParser(
        prog="serve.py",
        description="ESP8266 Lab workshop server (Python 3.8+, standard library only).",
        allow_abbrev=False,
    )
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT, help="listen on port N (default %d)" % DEFAULT_PORT, metavar="N")
    p.add_argument("--lan", action="store_true", help="let other computers on the room's network connect and print the addresses")
    p.add_argument("--https", action="store_true", help="serve over HTTPS with a self-signed certificate (needs the openssl command)")
    p.add_argument("--host", metavar="H", help="listen on address H (default 127.0.0.1; 0.0.0.0 with --lan)")
    p.add_argument("--root", metavar="DIR", help="serve DIR instead of the site/ folder beside this file")
    p.add_argument("--open", action="store_true", help="open the lab in the default browser")
    p.add_argument("--no-open", dest="open", action="store_false", help="do not open the browser")
    p.add_argument("--verbose", "-v", action="store_true", help="log one line per request")
    return p


def port_number(s):
    if not re.match(r"^\d{1,5}$", s) or int(s) > 65535:
        raise argparse.ArgumentTypeError("needs a number from 1 to 65535, not %r" % s)
    return int(s)


def main():
    try:
        sys.stdout.reconfigure(line_buffering=True, errors="replace")
        sys.stderr.reconfigure(errors="replace")
    except (AttributeError, ValueError):
        pass
    opts = build_parser().parse_args()
    root = os.path.abspath(opts.root if opts.root else os.path.join(HERE, "site"))
    if not os.path.isdir(root):
        if opts.root:
            sys.stderr.write("serve.py: the folder to serve, %s, does not exist.\n" % root)
        else:
            sys.stderr.write(
                "serve.py: there is no site folder at %s.\n"
                "Unzip the whole esp8266-lab-workshop.zip first, then start the server from inside the "
                "esp8266-lab-workshop folder.\n" % root
            )
        return 1
    real_root = os.path.realpath(root)
    host = opts.host or ("0.0.0.0" if opts.lan else "127.0.0.1")
    wildcard = host in ("0.0.0.0", "::", "")
    ips = lan_addresses() if wildcard else []
    scheme = "https" if opts.https else "http"

    relay = Relay()
    handler = type("LabHandler", (Handler,), {"real_root": real_root, "relay": relay, "verbose": opts.verbose})
    Server.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        server = Server((host, opts.port), handler)
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, 10048):
            sys.stderr.write(
                "serve.py: port %d is already in use (is the server already running in another window?).\n"
                "Stop the other program, or choose another port: python3 serve.py --port %d\n"
                % (opts.port, 8268 if opts.port == 8267 else 8267)
            )
        elif e.errno in (errno.EACCES, 10013):
            sys.stderr.write("serve.py: not allowed to listen on port %d. Choose another: python3 serve.py --port 8267\n" % opts.port)
        elif e.errno in (errno.EADDRNOTAVAIL, 10049) or isinstance(e, socket.gaierror):
            sys.stderr.write("serve.py: cannot listen on address %s: it is not an address of this computer.\n" % host)
        else:
            sys.stderr.write("serve.py: %s\n" % e)
        return 1

    cert_info = None
    if opts.https:
        try:
            cert_ips = ips if ips else ([host] if re.match(r"^\d", host) and host != "127.0.0.1" else [])
            cert_info = certificate(cert_ips)
        except RuntimeError as e:
            server.server_close()
            sys.stderr.write("serve.py: %s\n" % e)
            return 1
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_info[0], cert_info[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)

    port = server.server_address[1]
    if wildcard or host in ("127.0.0.1", "localhost", "::1"):
        local = "localhost"
    else:
        local = "[%s]" % host if ":" in host else host
    url = "%s://%s:%d/" % (scheme, local, port)
    print("ESP8266 Lab workshop server (Python)")
    print("Serving %s" % real_root)
    print("Open %s in your browser." % url)
    if wildcard:
        if ips:
            print("\nStudents on the same network open:")
            for ip in ips:
                print("  %s://%s:%d/" % (scheme, ip, port))
            print("\n(For a QR code of this address, start the Node server instead: node serve.mjs --lan)")
            if not opts.https:
                print("(Over plain http a LAN address is not a \"secure context\": the lab still works, with the relay")
                print(" instead of shared memory. Use --https for the full lab on students' computers.)")
        else:
            print("\nNo network address found: connect this computer to the room's WiFi or network first.")
    if cert_info:
        print("\nHTTPS with a self-signed certificate (%s, kept in %s)." % ("new" if cert_info[2] else "reused", cert_info[3]))
        print("The first time, each browser warns that the connection is not private. Students click once:")
        print('  Chrome / Edge:  "Advanced", then "Proceed to ... (unsafe)"')
        print('  Firefox:        "Advanced...", then "Accept the Risk and Continue"')
        print('  Safari:         "Show Details", then "visit this website" (and confirm)')
    print("\nPress Ctrl+C to stop.")
    if opts.open:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        relay.close()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
