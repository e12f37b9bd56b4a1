# The frozen `ntptime` module (micropython-lib micropython/net/ntptime, as v1.27.0 freezes it;
# reference §4.4): one SNTP query over UDP to `host`, the answer's transmit seconds (bytes 40-43)
# with the Y2036 fix, converted to the 2000 epoch; settime() sets the RTC in UTC. Written for the
# emulator from that description; the query goes to the virtual network's NTP server
# (emulator/net/services.ts), which answers with the host computer's clock.
import time as _utime
import struct
import socket

host = "pool.ntp.org"
timeout = 1
_MIN_NTP_TIMESTAMP = 3913056000  # 2024-01-01: older values are after 2036's wrap


def time():
    query = bytearray(48)
    query[0] = 0x1B  # LI 0, version 3, client
    addr = socket.getaddrinfo(host, 123)[0][-1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(query, addr)
        msg = s.recv(48)
    finally:
        s.close()
    secs = struct.unpack("!I", msg[40:44])[0]
    if secs < _MIN_NTP_TIMESTAMP:
        secs += 0x100000000
    epoch = _utime.gmtime(0)[0]
    if epoch == 2000:
        return secs - 3155673600
    if epoch == 1970:
        return secs - 2208988800
    raise Exception("Unsupported epoch: {}".format(epoch))


def settime():
    t = time()
    import machine

    tm = _utime.gmtime(t)
    machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6] + 1, tm[3], tm[4], tm[5], 0))

