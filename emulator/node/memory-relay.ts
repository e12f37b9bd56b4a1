/**
 * The relay's contract (workshop/RELAY.md, emulator/link/relay.ts) over shared memory, for Node
 * tests of message mode: the host appends, the emulator thread waits with `Atomics.wait`. It
 * keeps the whole stream (tests send little), so it never drops bytes before `after`.
 */
import type { RelayChunk, RelayLink, RelaySender, SyncRelay } from '../link/relay.ts';

/** Header words: 0 a change counter, 1 the stream offset of the log's first byte, 2 its length. */
const HEADER = 12;
const LOG_BYTES = 256 * 1024;

/** Opens a memory relay per emulator thread. `sent` counts the bytes every relay took (tests look). */
export function memoryRelayLink(): RelayLink & { sent: number } {
  const link = {
    sent: 0,
    open(): RelaySender {
      const buffer = new SharedArrayBuffer(HEADER + LOG_BYTES);
      const words = new Int32Array(buffer, 0, 3);
      const log = new Uint8Array(buffer, HEADER);
      return {
        endpoint: { kind: 'memory', buffer },
        send(at, bytes) {
          const start = Atomics.load(words, 1);
          const end = start + Atomics.load(words, 2);
          let data = bytes;
          if (at > end) {
            Atomics.store(words, 1, at); // a gap: the log restarts at `at` (RELAY.md)
            Atomics.store(words, 2, 0);
          } else data = bytes.subarray(end - at);
          const length = Atomics.load(words, 2);
          if (length + data.length > LOG_BYTES) throw new RangeError('memory relay full (a test sent more than 256 KB)');
          log.set(data, length);
          Atomics.store(words, 2, length + data.length);
          link.sent += data.length;
          Atomics.add(words, 0, 1);
          Atomics.notify(words, 0);
        },
      };
    },
  };
  return link;
}

/** The emulator thread's side of a {@link memoryRelayLink} relay. */
export function memorySyncRelay(buffer: SharedArrayBuffer): SyncRelay {
  const words = new Int32Array(buffer, 0, 3);
  const log = new Uint8Array(buffer, HEADER);
  return {
    wait(after, ms): RelayChunk {
      const deadline = performance.now() + ms;
      for (;;) {
        const seen = Atomics.load(words, 0);
        const start = Atomics.load(words, 1);
        const end = start + Atomics.load(words, 2);
        if (end > after) {
          const from = Math.max(after, start);
          return { at: from, data: log.slice(from - start, end - start) };
        }
        const left = deadline - performance.now();
        if (left <= 0) return { at: Math.max(after, end), data: new Uint8Array(0) };
        Atomics.wait(words, 0, seen, left);
      }
    },
  };
}
