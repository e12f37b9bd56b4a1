/**
 * AES against the published vectors: FIPS-197 Appendix C (C.1 AES-128, C.3 AES-256: one block
 * with key 000102…), and NIST SP 800-38A Appendix F (F.1.1/F.1.2 ECB-AES128, F.2.1/F.2.2
 * CBC-AES128, F.2.5/F.2.6 CBC-AES256, four blocks each).
 */
import { describe, expect, it } from 'vitest';
import { aes } from './aes.ts';
import { fromHex, toHex } from './hal.ts';

const PLAIN = '00112233445566778899aabbccddeeff';
const SP_PLAIN = '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';
const IV = '000102030405060708090a0b0c0d0e0f';

describe('AES (FIPS-197 Appendix C)', () => {
  it('C.1 AES-128 encrypts and decrypts the example block', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f');
    const c = aes(key, 1, null, fromHex(PLAIN), true);
    expect(toHex(c)).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    expect(toHex(aes(key, 1, null, c, false))).toBe(PLAIN);
  });

  it('C.3 AES-256 encrypts and decrypts the example block', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const c = aes(key, 1, null, fromHex(PLAIN), true);
    expect(toHex(c)).toBe('8ea2b7ca516745bfeafc49904b496089');
    expect(toHex(aes(key, 1, null, c, false))).toBe(PLAIN);
  });

  it('rejects keys and data cryptolib would not pass', () => {
    expect(() => aes(new Uint8Array(24), 1, null, new Uint8Array(16), true)).toThrow(RangeError);
    expect(() => aes(new Uint8Array(16), 1, null, new Uint8Array(15), true)).toThrow(RangeError);
    expect(() => aes(new Uint8Array(16), 2, null, new Uint8Array(16), true)).toThrow(RangeError);
  });
});

describe('AES modes (NIST SP 800-38A Appendix F)', () => {
  const k128 = fromHex('2b7e151628aed2a6abf7158809cf4f3c');
  it('F.1.1/F.1.2 ECB-AES128', () => {
    const c = '3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4';
    expect(toHex(aes(k128, 1, null, fromHex(SP_PLAIN), true))).toBe(c);
    expect(toHex(aes(k128, 1, null, fromHex(c), false))).toBe(SP_PLAIN);
  });

  it('F.2.1/F.2.2 CBC-AES128', () => {
    const c = '7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7';
    expect(toHex(aes(k128, 2, fromHex(IV), fromHex(SP_PLAIN), true))).toBe(c);
    expect(toHex(aes(k128, 2, fromHex(IV), fromHex(c), false))).toBe(SP_PLAIN);
  });

  it('F.2.5/F.2.6 CBC-AES256', () => {
    const k256 = fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
    const c = 'f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b';
    expect(toHex(aes(k256, 2, fromHex(IV), fromHex(SP_PLAIN), true))).toBe(c);
    expect(toHex(aes(k256, 2, fromHex(IV), fromHex(c), false))).toBe(SP_PLAIN);
  });
});
