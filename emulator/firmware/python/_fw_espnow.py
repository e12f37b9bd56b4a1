# The frozen `espnow` module of the esp8266 build (MP@v1.27.0 ports/esp8266/modules/espnow.py),
# written for the emulator from docs/library/espnow.rst: everything of `_espnow`
# (emulator/firmware/python/_fw_espnow_c.py), select's poll and POLLIN, and ESPNow, the class
# programs use: ESPNow() (a new object each time, over the one driver), with
# irecv([timeout_ms]) giving [mac, msg] in two bytearrays of the class, reused by every call, or
# (None, None) after the timeout; recv([timeout_ms]) the same as new bytes; iteration giving
# irecv()'s answers (so a timeout gives (None, None) and the loop goes on); any() whether a
# message waits (a poll with no wait, as the ESP8266 has no ESPNow.any in C).
from _fw_espnow_c import *
from select import poll, POLLIN


class ESPNow(ESPNowBase):
    _data = [bytearray(ADDR_LEN), bytearray(MAX_DATA_LEN)]  # irecv's buffers, one pair for all
    _none_tuple = (None, None)

    def __init__(self):
        super().__init__()
        self._poll = poll()
        self._poll.register(self, POLLIN)

    def irecv(self, timeout_ms=None):
        return self._data if self.recvinto(self._data, timeout_ms) else self._none_tuple

    def recv(self, timeout_ms=None):
        if not self.recvinto(self._data, timeout_ms):
            return self._none_tuple
        return [bytes(b) for b in self._data]

    def __iter__(self):
        return self

    def __next__(self):
        return self.irecv()

    def any(self):
        for _ in self._poll.ipoll(0):
            return True
        return False
