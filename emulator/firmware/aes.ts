/**
 * AES (FIPS-197) for the firmware's `cryptolib.aes` (extmod/modcryptolib.c, which on the esp8266
 * port uses axTLS's AES): the block cipher with 128- and 256-bit keys, and the ECB and CBC modes
 * of NIST SP 800-38A. Written from FIPS-197: the S-box is computed from its definition (the
 * multiplicative inverse in GF(2^8) followed by the affine transformation, §5.1.1), the key
 * expansion is §5.2, the rounds §5.1 and the inverse cipher §5.3.
 */

/** Multiplies two elements of GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 §4.2). */
function gmul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
for (let x = 0; x < 256; x++) {
  let inv = 0;
  if (x) for (let y = 1; y < 256; y++) if (gmul(x, y) === 1) { inv = y; break; }
  // b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i, c = 0x63
  let s = 0x63;
  for (let k = 0; k < 5; k++) s ^= ((inv << k) | (inv >> (8 - k))) & 0xff;
  SBOX[x] = s;
  INV_SBOX[s] = x;
}

/** The expanded key: (Nr + 1) round keys of 16 bytes (FIPS-197 §5.2). */
function expandKey(key: Uint8Array): Uint8Array[] {
  const nk = key.length / 4;
  const nr = nk + 6;
  const w = new Uint8Array(16 * (nr + 1));
  w.set(key);
  let rcon = 1;
  for (let i = nk; i < 4 * (nr + 1); i++) {
    let t = [w[4 * i - 4]!, w[4 * i - 3]!, w[4 * i - 2]!, w[4 * i - 1]!];
    if (i % nk === 0) {
      t = [SBOX[t[1]!]! ^ rcon, SBOX[t[2]!]!, SBOX[t[3]!]!, SBOX[t[0]!]!];
      rcon = gmul(rcon, 2);
    } else if (nk > 6 && i % nk === 4) {
      t = t.map((b) => SBOX[b]!);
    }
    for (let j = 0; j < 4; j++) w[4 * i + j] = w[4 * (i - nk) + j]! ^ t[j]!;
  }
  return Array.from({ length: nr + 1 }, (_, r) => w.subarray(16 * r, 16 * r + 16));
}

function addRoundKey(s: Uint8Array, k: Uint8Array): void {
  for (let i = 0; i < 16; i++) s[i]! ^= k[i]!;
}

// the state is column-major as in FIPS-197 §3.4: byte r + 4c is row r, column c
function shiftRows(s: Uint8Array, inverse: boolean): void {
  const t = s.slice();
  for (let r = 1; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      const from = inverse ? (c - r + 4) % 4 : (c + r) % 4;
      s[r + 4 * c] = t[r + 4 * from]!;
    }
  }
}

function mixColumns(s: Uint8Array, m: readonly number[]): void {
  for (let c = 0; c < 4; c++) {
    const a = [s[4 * c]!, s[4 * c + 1]!, s[4 * c + 2]!, s[4 * c + 3]!];
    for (let r = 0; r < 4; r++) {
      s[4 * c + r] = gmul(a[0]!, m[(4 - r) % 4]!) ^ gmul(a[1]!, m[(5 - r) % 4]!) ^ gmul(a[2]!, m[(6 - r) % 4]!) ^ gmul(a[3]!, m[(7 - r) % 4]!);
    }
  }
}

const MIX = [2, 3, 1, 1]; // {02}, {03}, {01}, {01} (§5.1.3)
const INV_MIX = [0x0e, 0x0b, 0x0d, 0x09]; // (§5.3.3)

function encryptBlock(rk: Uint8Array[], block: Uint8Array): Uint8Array {
  const s = block.slice();
  const nr = rk.length - 1;
  addRoundKey(s, rk[0]!);
  for (let round = 1; round <= nr; round++) {
    for (let i = 0; i < 16; i++) s[i] = SBOX[s[i]!]!;
    shiftRows(s, false);
    if (round < nr) mixColumns(s, MIX);
    addRoundKey(s, rk[round]!);
  }
  return s;
}

function decryptBlock(rk: Uint8Array[], block: Uint8Array): Uint8Array {
  const s = block.slice();
  const nr = rk.length - 1;
  addRoundKey(s, rk[nr]!);
  for (let round = nr - 1; round >= 0; round--) {
    shiftRows(s, true);
    for (let i = 0; i < 16; i++) s[i] = INV_SBOX[s[i]!]!;
    addRoundKey(s, rk[round]!);
    if (round > 0) mixColumns(s, INV_MIX);
  }
  return s;
}

/** Block cipher modes as cryptolib numbers them (PEP 272): 1 ECB, 2 CBC. */
export type AesMode = 1 | 2;

/**
 * Encrypts or decrypts `data` with AES.
 * @param key 16 or 32 bytes (AES-128 / AES-256; cryptolib accepts no other length)
 * @param mode 1 = ECB, 2 = CBC (NIST SP 800-38A §6.1, §6.2)
 * @param iv 16 bytes, CBC only (ignored for ECB): the chaining value before the first block
 * @param data a whole number of 16-byte blocks
 * @param encrypt true to encrypt, false to decrypt
 * @returns the output, as long as `data`; for CBC the caller's next IV is its last ciphertext block
 * @throws RangeError for a key that is not 16/32 bytes, an IV that is not 16 bytes, or data that is
 * not a multiple of 16 bytes (cryptolib checks these first and raises its own ValueErrors)
 */
export function aes(key: Uint8Array, mode: AesMode, iv: Uint8Array | null, data: Uint8Array, encrypt: boolean): Uint8Array {
  if (key.length !== 16 && key.length !== 32) throw new RangeError('AES key must be 16 or 32 bytes');
  if (data.length % 16) throw new RangeError('AES data must be a multiple of 16 bytes');
  if (mode === 2 && (!iv || iv.length !== 16)) throw new RangeError('CBC needs a 16-byte IV');
  const rk = expandKey(key);
  const out = new Uint8Array(data.length);
  let chain: Uint8Array | null = mode === 2 ? iv!.slice() : null;
  for (let o = 0; o < data.length; o += 16) {
    const block = data.subarray(o, o + 16);
    if (encrypt) {
      const x = block.slice();
      if (chain) for (let i = 0; i < 16; i++) x[i]! ^= chain[i]!;
      const c = encryptBlock(rk, x);
      out.set(c, o);
      if (chain) chain = c;
    } else {
      const p = decryptBlock(rk, block);
      if (chain) {
        for (let i = 0; i < 16; i++) p[i]! ^= chain[i]!;
        chain = block.slice();
      }
      out.set(p, o);
    }
  }
  return out;
}
