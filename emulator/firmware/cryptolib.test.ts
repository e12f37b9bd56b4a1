/**
 * `cryptolib` at the REPL, as the esp8266 build has it (MP@v1.27.0 extmod/modcryptolib.c;
 * docs/library/cryptolib.rst): aes(key, mode[, IV]) with modes 1 (ECB) and 2 (CBC) — CTR (6) and
 * the MODE_* constants are off (py/mpconfig.h: MICROPY_PY_CRYPTOLIB_CTR and _CONSTS default 0,
 * the port leaves them) — `ucryptolib` its alias, absent from the 512K build (mpconfigboard.h).
 * Ciphertexts: FIPS-197 Appendix C.1 and NIST SP 800-38A F.2.1 / F.2.6. Error texts:
 * modcryptolib.c's MP_ERROR_TEXT strings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TestBoard } from '../node/test-board.ts';

let board: TestBoard | null = null;
afterEach(() => {
  board?.dispose();
  board = null;
});

const E = (type: string, msg: string): string =>
  `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${type}: ${msg}\n`;

describe('cryptolib', () => {
  it('encrypts and decrypts the FIPS-197 and SP 800-38A vectors; CBC chains across calls', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import cryptolib, ucryptolib; from binascii import hexlify as h, unhexlify as u',
      'cryptolib, ucryptolib is cryptolib, cryptolib.aes, dir(cryptolib)',
      "a = cryptolib.aes(u('000102030405060708090a0b0c0d0e0f'), 1); a",
      "h(a.encrypt(u('00112233445566778899aabbccddeeff')))",
      "h(cryptolib.aes(bytes(range(16)), 1).decrypt(u('69c4e0d86a7b0430d8cdb78070b4c55a')))",
      "p = u('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710')",
      "c = cryptolib.aes(u('2b7e151628aed2a6abf7158809cf4f3c'), 2, bytes(range(16)))",
      'h(c.encrypt(p[:32])), h(c.encrypt(p[32:]))',
      "k = u('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4')",
      "d = cryptolib.aes(k, 2, bytes(range(16))); buf = bytearray(u('f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b'))",
      'd.decrypt(buf, buf) is buf, buf == p',
      "cryptolib.aes(b'k' * 16, 1, b'i' * 16).encrypt('sixteen bytes!!!')",
      "cryptolib.aes(b'k' * 16, 1).encrypt(b'')",
    ]);
    expect(o[1]).toBe("(<module 'cryptolib'>, True, <class 'aes'>, ['__class__', '__name__', '__dict__', 'aes'])\n");
    expect(o[2]).toBe('<aes>\n');
    expect(o[3]).toBe("b'69c4e0d86a7b0430d8cdb78070b4c55a'\n");
    expect(o[4]).toBe("b'00112233445566778899aabbccddeeff'\n");
    expect(o[7]).toBe("(b'7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2', b'73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7')\n");
    expect(o[10]).toBe('(True, True)\n');
    expect(o[11]).toMatch(/^b'.{16,}'\n$/);
    expect(o[12]).toBe("b''\n");
  });

  it("raises modcryptolib.c's errors", async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      'import cryptolib',
      "cryptolib.aes(b'k' * 16, 6)",
      "cryptolib.aes(b'k' * 16, 3)",
      "cryptolib.aes(b'k' * 24, 1)",
      "cryptolib.aes(b'k' * 16, 2)",
      "cryptolib.aes(b'k' * 16, 2, b'i' * 8)",
      "cryptolib.aes(b'k' * 16, 1).encrypt(b'x' * 17)",
      "cryptolib.aes(b'k' * 16, 1).encrypt(b'x' * 32, bytearray(16))",
      "cryptolib.aes(b'k' * 16, 1).encrypt(b'x' * 16, b'y' * 16)",
      "a = cryptolib.aes(b'k' * 32, 1); a.decrypt(bytes(16)) and None; a.encrypt(bytes(16))",
      "cryptolib.aes(5, 1)",
      "hasattr(cryptolib, 'MODE_CBC'), hasattr(cryptolib, 'MODE_CTR')",
    ]);
    expect(o.slice(1)).toEqual([
      E('ValueError', 'mode'),
      E('ValueError', 'mode'),
      E('ValueError', 'key'),
      E('ValueError', 'IV'),
      E('ValueError', 'IV'),
      E('ValueError', 'blksize % 16'),
      E('ValueError', 'output too small'),
      E('TypeError', 'object with buffer protocol required'),
      E('ValueError', "can't encrypt & decrypt"),
      E('TypeError', 'object with buffer protocol required'),
      '(False, False)\n',
    ]);
  });

  it('a /cryptolib.py comes first (an extensible built-in); ucryptolib stays the built-in', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant' });
    const o = await board.session([
      "f = open('cryptolib.py', 'w'); f.write('mine = 1\\n'); f.close()",
      'import cryptolib, ucryptolib',
      'cryptolib.mine, ucryptolib',
    ]);
    expect(o[2]).toBe("(1, <module 'cryptolib'>)\n");
  });

  it('is not in the 512K build (MICROPY_PY_CRYPTOLIB 0)', async () => {
    board = await TestBoard.boot({ sleepMode: 'instant', flashSize: '512K' });
    const o = await board.session(['import cryptolib']);
    expect(o[0]).toBe(E('ImportError', "no module named 'cryptolib'"));
  });
});
