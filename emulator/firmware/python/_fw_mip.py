# The frozen `mip` package of the esp8266 build (micropython-lib micropython/mip, frozen by
# bundle-networking with opt=3), written for the emulator from the MicroPython docs ("Package
# management", reference/packages.rst) and the protocol its source shows:
# install(package, index=None, target=None, version=None, mpy=True) installs into the first
# sys.path entry ending in /lib ("Unable to find lib dir in sys.path" without one), from the index
# https://micropython.org/pi/v2 (the lab's virtual one: emulator/net/package-index.ts):
# <index>/package/<mpy>/<name>/<version>.json (mpy: sys.implementation._mpy & 0xFF, or "py"),
# then each of its "hashes" from <index>/file/<2 hex>/<hash> unless the file there already has
# that SHA-256 start ("Exists:"), its "urls" (relative to the package.json's URL), its "deps".
# A URL or github:/gitlab: name ending in .py/.mpy is one file; otherwise its package.json.
# Prints "Installing …", "Copying: …", then "Done" or "Package may be partially installed".
#
# On the board this code is frozen bytecode without line numbers: a traceback through it shows
# File "mip/__init__.py", line 1, in <function>. So it is compiled here at optimisation level 3
# under that name. And as on the board, installing from a package.json stops with
# AttributeError: 'str' object has no attribute 'rpartition' once the package's files are copied
# (the relative-URL step calls str.rpartition, which the esp8266 build leaves out:
# MICROPY_PY_BUILTINS_STR_PARTITION 0; micropython-lib issue #1013), before its "urls" and "deps".
import micropython as _mp
import _fw_boot as _b

_SRC = '''
import sys

import requests

from micropython import const

allowed_mip_url_prefixes = ("http://", "https://", "github:", "gitlab:")


def _ensure_path_exists(path):
    # the directories above path, one by one (os.makedirs of its dirname)
    import os

    d = ""
    for i, part in enumerate(path.split("/")[:-1]):
        d = part if i == 0 else d + "/" + part
        if d:
            try:
                os.stat(d)
            except OSError:
                os.mkdir(d)


def _chunk(src, dest):
    # copies a stream to a function taking bytes, 128 at a time
    buf = memoryview(bytearray(128))
    while True:
        n = src.readinto(buf)
        if not n:
            return
        dest(buf[:n])


def _check_exists(path, short_hash):
    try:
        import binascii
        import hashlib

        h = hashlib.sha256()
        with open(path, "rb") as f:
            _chunk(f, h.update)
        return binascii.hexlify(h.digest()).decode()[: len(short_hash)] == short_hash
    except Exception:
        return False


def _rewrite_url(url, branch=None):
    branch = branch or "HEAD"
    for scheme, host, raw in (("github:", "https://raw.githubusercontent.com/", "/"), ("gitlab:", "https://gitlab.com/", "/-/raw/")):
        if url.startswith(scheme):
            org, repo, *path = url[len(scheme):].split("/")
            return host + org + "/" + repo + raw + branch + "/" + "/".join(path)
    return url


def _download_file(url, dest):
    r = requests.get(url)
    try:
        if r.status_code != 200:
            print("Error", r.status_code, "requesting", url)
            return False
        print("Copying:", dest)
        _ensure_path_exists(dest)
        with open(dest, "wb") as f:
            _chunk(r.raw, f.write)
        return True
    finally:
        r.close()


def _install_json(package_json_url, index, target, version, mpy):
    r = requests.get(_rewrite_url(package_json_url, version))
    try:
        if r.status_code != 200:
            print("Package not found:", package_json_url)
            return False
        meta = r.json()
    finally:
        r.close()
    for path, short_hash in meta.get("hashes", ()):
        dest = target + "/" + path
        if _check_exists(dest, short_hash):
            print("Exists:", dest)
            continue
        if not _download_file("{}/file/{}/{}".format(index, short_hash[:2], short_hash), dest):
            print("File not found: {} {}".format(path, short_hash))
            return False
    base = package_json_url.rpartition("/")[0]
    for path, url in meta.get("urls", ()):
        if base and not any(url.startswith(p) for p in allowed_mip_url_prefixes):
            url = base + "/" + url
        if not _download_file(_rewrite_url(url, version), target + "/" + path):
            print("File not found: {} {}".format(path, url))
            return False
    for dep, dep_version in meta.get("deps", ()):
        if not _install_package(dep, index, target, dep_version, mpy):
            return False
    return True


def _install_package(package, index, target, version, mpy):
    if any(package.startswith(p) for p in allowed_mip_url_prefixes):
        if package.endswith(".py") or package.endswith(".mpy"):
            print("Downloading {} to {}".format(package, target))
            return _download_file(_rewrite_url(package, version), target + "/" + package.split("/")[-1])
        if not package.endswith(".json"):
            package += "package.json" if package.endswith("/") else "/package.json"
        print("Installing {} to {}".format(package, target))
    else:
        version = version or "latest"
        print("Installing {} ({}) from {} to {}".format(package, version, index, target))
        impl = sys.implementation
        mpy_version = impl._mpy & 0xFF if mpy and hasattr(impl, "_mpy") else "py"
        package = "{}/package/{}/{}/{}.json".format(index, mpy_version, package, version)
    return _install_json(package, index, target, version, mpy)


def install(package, index=None, target=None, version=None, mpy=True):
    if not target:
        for p in sys.path:
            if p.endswith("/lib") and not p.startswith("/rom"):
                target = p
                break
        else:
            print("Unable to find lib dir in sys.path")
            return
    index = (index or "https://micropython.org/pi/v2").rstrip("/")
    if _install_package(package, index, target, version, mpy):
        print("Done")
    else:
        print("Package may be partially installed")
'''

_level = _mp.opt_level()
_mp.opt_level(3)
try:
    _code = _b.compile(_SRC, 'mip/__init__.py', 'exec')
finally:
    _mp.opt_level(_level)
exec(_code, globals())
del _mp, _b, _SRC, _level, _code
