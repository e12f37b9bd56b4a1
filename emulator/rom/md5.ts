/**
 * MD5 digests for the emulator (esp.check_fw(), the stub's SPI_FLASH_MD5 and READ_FLASH, the
 * factory firmware's trailer), through the spark-md5 library: WebCrypto has no MD5.
 */
import SparkMD5 from 'spark-md5';

/** The 16-byte MD5 digest of `data`. */
export function md5(data: Uint8Array): Uint8Array {
  const raw = SparkMD5.ArrayBuffer.hash(data.slice().buffer as ArrayBuffer, true);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}
