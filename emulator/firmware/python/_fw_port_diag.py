# The frozen `port_diag` module of the esp8266 build (MP@v1.27.0 ports/esp8266/modules/port_diag.py),
# written for the emulator from what it prints: importing it prints the board's diagnostics once
# (the firmware's import calls main(); the module stays in sys.modules). The values are this
# board's: the flash chip's JEDEC id (esp.flash_id()), bytes 2 and 3 of the image header at flash
# offset 0 (flash mode; size and frequency nibbles, read from the flash as the chip maps it at
# 0x40200000), the firmware checksum (esp.check_fw(), which prints size and md5), both
# interfaces' ifconfig(), the SDK's free WiFi driver buffers of five types (ets_esf_free_bufs:
# the idle driver's counts, our estimate [UNV]) and lwIP's PCB lists (lwip.print_pcbs(), which
# prints through the SDK's muted os_printf: nothing).
import esp
import uctypes
import network
import lwip



def main():  # the module's globals are the real one's: esp, uctypes, network, lwip, main
    SZ_MAP = {0: '512KB', 1: '256KB', 2: '1MB', 3: '2MB', 4: '4MB'}
    FREQ_MAP = {0: '40MHZ', 1: '26MHZ', 2: '20MHz', 0xF: '80MHz'}
    bufs = (('1,2 TX', 8), ('4 Mngmt TX(len: 0x41-0x100)', 4), ('5 Mngmt TX (len: 0-0x40)', 8), ('7', 4), ('8 RX', 7))
    rom = esp.flash_read(0, 16)  # what uctypes.bytearray_at(0x40200000, 16) shows on the chip
    fid = esp.flash_id()
    print('FlashROM:')
    print('Flash ID: %x (Vendor: %x Device: %x)' % (fid, fid & 0xFF, fid & 0xFF00 | fid >> 16))
    print('Flash bootloader data:')
    print('Byte @2: %02x' % rom[2])
    print('Byte @3: %02x (Flash size: %s Flash freq: %s)' % (rom[3], SZ_MAP.get(rom[3] >> 4, '?'), FREQ_MAP.get(rom[3] & 0xF)))
    print('Firmware checksum:')
    print(esp.check_fw())
    print('\nNetworking:')
    print('STA ifconfig:', network.WLAN(network.WLAN.IF_STA).ifconfig())
    print('AP ifconfig:', network.WLAN(network.WLAN.IF_AP).ifconfig())
    print('Free WiFi driver buffers of type:')
    for i, (comm, free) in enumerate(bufs):
        print('%d: %d (%s)' % (i, free, comm))
    print('lwIP PCBs:')
    lwip.print_pcbs()
