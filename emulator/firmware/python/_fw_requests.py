# The frozen `requests` package of v1.27.0 (micropython-lib's requests), written for the emulator
# from its documented behaviour: one HTTP/1.0 request per call on a fresh socket, the status line
# and headers read line by line, the body read when `content`, `text` or `json()` is first used,
# redirects followed. HTTPS through `tls` (emulator/firmware/python/_fw_tls.py), as the real one does.
import socket


class Response:
    def __init__(self, sock):
        self.raw = sock
        self.encoding = "utf-8"
        self._body = None

    def close(self):
        if self.raw is not None:
            self.raw.close()
            self.raw = None
        self._body = None

    @property
    def content(self):
        if self._body is None:
            sock = self.raw
            self.raw = None
            try:
                self._body = sock.read()
            finally:
                sock.close()
        return self._body

    @property
    def text(self):
        return str(self.content, self.encoding)

    def json(self):
        import json

        return json.loads(self.content)


def _split(url):
    scheme, rest = url.split("//", 1) if "//" in url else ("", url)
    if scheme == "http:":
        port = 80
    elif scheme == "https:":
        port = 443
    else:
        raise ValueError("Unsupported protocol: " + scheme)
    host, path = (rest.split("/", 1) + [""])[:2]  # no str.partition on the esp8266 build
    if ":" in host:
        host, p = host.split(":", 1)
        port = int(p)
    return host, port, path


def _head_line(sock):
    line = sock.readline()
    if not line or line == b"\r\n":
        return None
    return str(line, "utf-8").rstrip("\r\n")


def request(method, url, data=None, json=None, headers=None, stream=None, auth=None, timeout=None, parse_headers=True):
    headers = headers or {}
    host, port, path = _split(url)
    addr = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0]
    sock = socket.socket(addr[0], socket.SOCK_STREAM, addr[2])
    if timeout is not None:
        sock.settimeout(timeout)
    if json is not None:
        import json as _json

        data = _json.dumps(json)
    if isinstance(data, str):
        data = data.encode()
    try:
        sock.connect(addr[-1])
        if port == 443 or url.startswith("https:"):
            import tls

            context = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
            context.verify_mode = tls.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=host)
        head = "%s /%s HTTP/1.0\r\n" % (method, path)
        if "Host" not in headers:
            head += "Host: %s\r\n" % host
        for k in headers:
            head += "%s: %s\r\n" % (k, headers[k])
        if json is not None:
            head += "Content-Type: application/json\r\n"
        if data:
            head += "Content-Length: %d\r\n" % len(data)
        head += "Connection: close\r\n\r\n"
        sock.write(head)
        if data:
            sock.write(data)
        status_line = sock.readline().split(None, 2)
        if len(status_line) < 2:
            raise ValueError("HTTP error: BadStatusLine:\n%s" % status_line)
        status = int(status_line[1])
        reason = status_line[2].rstrip() if len(status_line) > 2 else ""
        found = {}
        location = None
        while True:
            line = _head_line(sock)
            if line is None:
                break
            name, value = (line.split(":", 1) + [""])[:2]
            value = value.strip()
            if name == "Transfer-Encoding" and "chunked" in value:
                raise ValueError("Unsupported " + line + "\r\n")
            if name == "Location" and not 200 <= status <= 299:
                if status not in (301, 302, 303, 307, 308):
                    raise NotImplementedError("Redirect %d not yet supported" % status)
                location = value
            if parse_headers is True:
                found[name] = value
            elif parse_headers:
                parse_headers(line.encode() + b"\r\n", found)
    except OSError:
        sock.close()
        raise
    if location:
        sock.close()
        if status in (301, 302, 303):
            return request("GET", location, None, None, headers, stream)
        return request(method, location, data, None, headers, stream)
    r = Response(sock)
    r.status_code = status
    r.reason = reason
    if parse_headers is not False:
        r.headers = found
    return r


def head(url, **kw):
    return request("HEAD", url, **kw)


def get(url, **kw):
    return request("GET", url, **kw)


def post(url, **kw):
    return request("POST", url, **kw)


def put(url, **kw):
    return request("PUT", url, **kw)


def patch(url, **kw):
    return request("PATCH", url, **kw)


def delete(url, **kw):
    return request("DELETE", url, **kw)
