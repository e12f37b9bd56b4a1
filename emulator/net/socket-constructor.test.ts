/**
 * `socket.socket(...)` argument handling as extmod/modlwip.c `lwip_socket_make_new` does it
 * (MicroPython v1.27.0): `mp_arg_check_num(n_args, n_kw, 0, 4, false)` (py/argcheck.c
 * messages), domain and type through `mp_obj_get_int` (TypeError), the domain not checked
 * further, SOCK_RAW (MICROPY_PY_LWIP_SOCK_RAW 1 in ports/esp8266/mpconfigport.h) reading its
 * protocol with `mp_obj_get_int`, any other type `OSError(EINVAL)`. The first three cases are
 * tests/extmod/socket_badconstructor.py (expected output: three "TypeError" lines).
 */
import { describe, expect, it } from 'vitest';
import { instantBoards, out } from '../node/net-helpers.ts';

const boot = instantBoards();

describe('socket.socket() arguments (extmod/modlwip.c lwip_socket_make_new)', () => {
  it('raises what the firmware raises', async () => {
    const b = await boot();
    const lines = await out(b, `import socket
def t(*a, **k):
    try:
        s = socket.socket(*a, **k)
        print(s)
        s.close()
    except Exception as e:
        print(type(e).__name__, e)
t(None)
t(socket.AF_INET, None)
t(socket.AF_INET, socket.SOCK_RAW, None)
t(99)
t(socket.AF_INET, 99)
t(socket.AF_INET, socket.SOCK_RAW)
t(socket.AF_INET, socket.SOCK_DGRAM, 0, 0)
t(2, 1, 0, 0, 0)
t(af=2)
t('2')
`);
    expect(lines.split('\n')).toEqual([
      "TypeError can't convert NoneType to int",
      "TypeError can't convert NoneType to int",
      // wrong case: before, a raw socket was refused with OSError 22 before its protocol was read
      "TypeError can't convert NoneType to int",
      // the domain is not checked
      '<socket state=0 timeout=4294967295 incoming=0 off=0>',
      'OSError [Errno 22] EINVAL',
      // a raw socket stays STATE_NEW; a datagram one is STATE_ACTIVE_UDP (5) at once
      '<socket state=0 timeout=4294967295 incoming=0>',
      '<socket state=5 timeout=4294967295 incoming=0>',
      'TypeError function expected at most 4 arguments, got 5',
      "TypeError function doesn't take keyword arguments",
      "TypeError can't convert str to int",
      '',
    ]);
  });
});
