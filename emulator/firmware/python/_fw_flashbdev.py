# The `flashbdev` module (ports/esp8266/modules/flashbdev.py, v1.27.0): the flash sectors after
# the firmware as a block device, 4 KB blocks from `start_sec`, the last 20 KB left to the SDK.
# Builds for less than 1 MB of flash have no block device.
import _esp_hal as _hal
from binascii import hexlify as _hx, unhexlify as _uh


class FlashBdev:
    SEC_SIZE = 4096

    def __init__(self, start_sec, blocks):
        self.start_sec = start_sec
        self.blocks = blocks

    def readblocks(self, n, buf, off=0):
        addr = (n + self.start_sec) * self.SEC_SIZE + off
        buf[:] = _uh(_hal.flash_read(addr, len(buf)))

    def writeblocks(self, n, buf, off=None):
        if off is None:
            _hal.flash_erase(n + self.start_sec)
            off = 0
        _hal.flash_write((n + self.start_sec) * self.SEC_SIZE + off, _hx(buf).decode())

    def ioctl(self, op, arg):
        if op == 4:  # MP_BLOCKDEV_IOCTL_BLOCK_COUNT
            return self.blocks
        if op == 5:  # MP_BLOCKDEV_IOCTL_BLOCK_SIZE
            return self.SEC_SIZE
        if op == 6:  # MP_BLOCKDEV_IOCTL_BLOCK_ERASE
            _hal.flash_erase(arg + self.start_sec)
            return 0


_r = _hal.fs_region()
bdev = FlashBdev(_r[0], _r[1]) if _r else None
del _r
