# The `inisetup` module of the esp8266 build: what the first boot after flashing does
# (behaviour of ports/esp8266/modules/inisetup.py in v1.27.0, reference §3.3 and §3.5).
# A blank first block in the filesystem region means a new board: it prints
# "Performing initial setup", formats littlefs and writes the default boot.py. Any other content
# that did not mount means a damaged filesystem: the warning repeats every 3 s until Ctrl-C.
import vfs
import _esp_hal as _hal
from flashbdev import bdev

# device output, reproduced as the firmware prints it
_CORRUPT = """\
The filesystem starting at sector %d with size %d sectors looks corrupt.
You may want to make a flash snapshot and try to recover it. Otherwise,
format it with vfs.VfsLfs2.mkfs(bdev), or completely erase the flash and
reprogram MicroPython.
"""
_BOOT_PY = """\
# This file is executed on every boot (including wake-boot from deepsleep)
#import esp
#esp.osdebug(None)
import os, machine
#os.dupterm(None, 1) # disable REPL on UART(0)
import gc
#import webrepl
#webrepl.start()
gc.collect()
"""


def wifi():
    # The access point becomes MicroPython-xxxxxx (the AP MAC's last 3 bytes), WPA/WPA2 with the
    # key micropythoN, kept by the SDK in flash (reference §3.3); done by the virtual WiFi driver
    # (emulator/net/stack.ts) so the first boot does not compile the network module.
    _hal.net_inisetup()


def check_bootsec():
    block = bytearray(bdev.SEC_SIZE)
    bdev.readblocks(0, block)
    if block.count(b'\xff') != len(block):
        fs_corrupted()
    return True


def fs_corrupted():
    import time
    import micropython

    micropython.kbd_intr(3)  # Ctrl-C ends the loop
    text = _CORRUPT % (bdev.start_sec, bdev.blocks)
    while True:
        print(text)
        time.sleep(3)


def setup():
    check_bootsec()
    print("Performing initial setup")
    wifi()
    vfs.VfsLfs2.mkfs(bdev)
    vfs.mount(vfs.VfsLfs2(bdev), "/")
    with open("boot.py", "w") as f:
        f.write(_BOOT_PY)
    return vfs
