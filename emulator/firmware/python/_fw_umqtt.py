# `umqtt.simple` (micropython-lib), written for the emulator from its documented API and
# behaviour: MQTTClient(client_id, server, port=0, user=None, password=None, keepalive=0,
# ssl=None, ssl_params={}), connect() -> session-present flag, MQTTException(return code),
# publish/subscribe/unsubscribe/ping/disconnect, wait_msg() (blocking) and check_msg()
# (non-blocking) calling the callback with (topic, msg) as bytes; QoS 0 and 1.
# Packet formats: MQTT 3.1.1 (OASIS), sections 2 and 3. On a real board it is installed with
# mip (not frozen in the ESP8266_GENERIC build); the emulator provides it ready to import.
import socket


class MQTTException(Exception):
    pass


def _varlen(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            b |= 0x80
        out.append(b)
        if not n:
            return out


def _s(x):
    if isinstance(x, str):
        x = x.encode()
    return bytes((len(x) >> 8, len(x) & 0xFF)) + x


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0,
                 ssl=None, ssl_params={}):
        if port == 0:
            port = 8883 if ssl else 1883
        self.client_id = client_id
        self.sock = None
        self.server = server
        self.port = port
        self.ssl = ssl
        self.ssl_params = ssl_params
        self.pid = 0
        self.cb = None
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False

    def _recv_len(self):
        n = 0
        sh = 0
        while True:
            b = self.sock.read(1)[0]
            n |= (b & 0x7F) << sh
            if not b & 0x80:
                return n
            sh += 7

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        assert 0 <= qos <= 2
        assert topic
        self.lw_topic = topic
        self.lw_msg = msg
        self.lw_qos = qos
        self.lw_retain = retain

    def connect(self, clean_session=True, timeout=None):
        if self.sock:
            self.sock.close()
        self.sock = socket.socket()
        self.sock.settimeout(timeout)
        addr = socket.getaddrinfo(self.server, self.port)[0][-1]
        self.sock.connect(addr)
        if self.ssl is True:
            import ssl
            self.sock = ssl.wrap_socket(self.sock, **self.ssl_params)
        elif self.ssl:
            self.sock = self.ssl.wrap_socket(self.sock, server_hostname=self.server)
        flags = clean_session << 1
        body = bytearray(b'\x00\x04MQTT\x04')
        payload = _s(self.client_id)
        if self.lw_topic:
            flags |= 0x04 | (self.lw_qos & 1) << 3 | (self.lw_qos & 2) << 3 | self.lw_retain << 5
            payload += _s(self.lw_topic) + _s(self.lw_msg)
        if self.user:
            flags |= 0xC0
            payload += _s(self.user) + _s(self.pswd)
        if self.keepalive:
            assert self.keepalive < 65536
        body.append(flags)
        body.append(self.keepalive >> 8)
        body.append(self.keepalive & 0xFF)
        body += payload
        self.sock.write(b'\x10' + _varlen(len(body)) + body)
        resp = self.sock.read(4)
        assert resp[0] == 0x20 and resp[1] == 0x02
        if resp[3] != 0:
            raise MQTTException(resp[3])
        return resp[2] & 1

    def disconnect(self):
        self.sock.write(b'\xe0\x00')
        self.sock.close()

    def ping(self):
        self.sock.write(b'\xc0\x00')

    def publish(self, topic, msg, retain=False, qos=0):
        if isinstance(msg, str):
            msg = msg.encode()
        head = 0x30 | qos << 1 | retain
        body = _s(topic)
        sz = len(body) + len(msg) + (2 if qos > 0 else 0)
        assert sz < 2097152
        pkt = bytearray()
        pkt.append(head)
        pkt += _varlen(sz)
        pkt += body
        if qos > 0:
            self.pid += 1
            pid = self.pid
            pkt.append(pid >> 8)
            pkt.append(pid & 0xFF)
        self.sock.write(pkt)
        self.sock.write(msg)
        if qos == 1:
            while True:
                op = self.wait_msg()
                if op == 0x40:
                    sz = self.sock.read(1)
                    assert sz == b'\x02'
                    rcv = self.sock.read(2)
                    if (rcv[0] << 8 | rcv[1]) == pid:
                        return
        elif qos == 2:
            assert 0

    def _subunsub(self, topic, typ, ack, qos):
        self.pid += 1
        pid = self.pid
        body = bytes((pid >> 8, pid & 0xFF)) + _s(topic)
        if typ == 0x82:
            body += bytes((qos,))
        self.sock.write(bytes((typ,)) + _varlen(len(body)) + body)
        while True:
            op = self.wait_msg()
            if op == ack:
                n = self.sock.read(1)[0]
                resp = self.sock.read(n)
                assert (resp[0] << 8 | resp[1]) == pid
                if typ == 0x82 and resp[2] == 0x80:
                    raise MQTTException(resp[2])
                return

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, 'Subscribe callback is not set'
        self._subunsub(topic, 0x82, 0x90, qos)

    def unsubscribe(self, topic):
        self._subunsub(topic, 0xA2, 0xB0, 0)

    def wait_msg(self):
        res = self.sock.read(1)
        self.sock.setblocking(True)
        if res is None:
            return None
        if res == b'':
            raise OSError(-1)
        if res == b'\xd0':  # PINGRESP
            assert self.sock.read(1)[0] == 0
            return None
        op = res[0]
        if op & 0xF0 != 0x30:
            return op
        sz = self._recv_len()
        tl = self.sock.read(2)
        tl = tl[0] << 8 | tl[1]
        topic = self.sock.read(tl)
        sz -= tl + 2
        pid = 0
        if op & 6:
            p = self.sock.read(2)
            pid = p[0] << 8 | p[1]
            sz -= 2
        msg = self.sock.read(sz)
        self.cb(topic, msg)
        if op & 6 == 2:
            self.sock.write(bytes((0x40, 2, pid >> 8, pid & 0xFF)))
        elif op & 6 == 4:
            assert 0
        return op

    def check_msg(self):
        self.sock.setblocking(False)
        return self.wait_msg()
