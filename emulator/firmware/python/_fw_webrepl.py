# The frozen `webrepl` module (micropython-lib micropython/net/webrepl/webrepl.py) with the
# `_webrepl` C module's password check (MP@v1.27.0 extmod/modwebrepl.c), written for the
# emulator from their behaviour (reference §5.5): start(port=8266, password=None) stops a running
# daemon, takes the password from webrepl_cfg.PASS (or prints that WebREPL is not configured),
# listens on the port, prints `WebREPL server started on http://<ip>:<port>/` for each active
# interface (AP first, then STA), then the mode line. The accept handler, the websocket and
# dupterm are the emulator's (emulator/net/webrepl.ts): they run outside the program, as the
# accept callback and dupterm do on the board.
import _esp_hal as _hal
import socket
import network

listen_s = None
client_s = None


def _password(pw):
    # _webrepl.password() (emulator/firmware/python/_fw_webrepl_c.py): a str or bytes of at most
    # 9 characters, kept by the C module; the daemon (emulator/net/webrepl.ts) checks against it
    import _webrepl
    _webrepl.password(pw)
    return _webrepl._password()


def setup_conn(port, accept_handler):
    global listen_s
    listen_s = socket.socket()
    listen_s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    addr = socket.getaddrinfo('0.0.0.0', port)[0][4]
    listen_s.bind(addr)
    listen_s.listen(1)
    for i in (network.WLAN.IF_AP, network.WLAN.IF_STA):
        iface = network.WLAN(i)
        if iface.active():
            print('WebREPL server started on http://%s:%d/' % (iface.ifconfig()[0], port))
    return listen_s


def stop():
    global listen_s, client_s
    _hal.net_webrepl_stop()
    if client_s:
        client_s.close()
        client_s = None
    if listen_s:
        listen_s.close()
        listen_s = None


def start(port=8266, password=None, accept_handler=True):
    stop()
    pw = password
    if pw is None:
        try:
            import webrepl_cfg
            pw = webrepl_cfg.PASS
        except:
            print("WebREPL is not configured, run 'import webrepl_setup'")
    pw = _password(pw)
    s = setup_conn(port, accept_handler)
    _hal.net_webrepl_start(s._id, port, pw)
    if accept_handler is None:
        print('Starting webrepl in foreground mode')
    elif password is None:
        print('Started webrepl in normal mode')
    else:
        print('Started webrepl in manual override mode')


def start_foreground(port=8266, password=None):
    start(port, password, None)


def _file_op(op, name, hexdata, append=0):
    # the WebREPL file protocol's PUT (1) and GET (2), done by the firmware (modwebrepl.c)
    from binascii import hexlify, unhexlify
    try:
        if op == 'put':
            with open(name, 'ab' if append else 'wb') as f:
                f.write(unhexlify(hexdata))
            _hal.webrepl_file_result(1, '')
        else:
            with open(name, 'rb') as f:
                _hal.webrepl_file_result(1, hexlify(f.read()).decode())
    except OSError:
        _hal.webrepl_file_result(0, '')
