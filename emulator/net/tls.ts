/**
 * TLS servers of the virtual internet, modelled at the level of the handshake's *policy*, not its
 * cryptography: records carry TLS's 5-byte header (type, version, length) around plain payloads,
 * and nothing is encrypted or signed. What is reproduced is what decides, on a real ESP8266 with
 * axTLS, whether a connection works (reference §5.4; MP@v1.27.0 extmod/modtls_axtls.c; axTLS
 * ssl/tls1.c as MicroPython's fork builds it):
 * - key exchange: axTLS offers only RSA key transport; a server that accepts only ECDHE suites
 *   answers with a fatal `handshake_failure` alert (40), which axTLS returns as -40;
 * - record size: the ESP8266 build has a single ~5 KB buffer (RT_MAX_PLAIN_LENGTH=1024 +
 *   RT_EXTRA=4096); a record longer than that minus the 5-byte header is SSL_ERROR_RECORD_OVERFLOW
 *   (-257);
 * - certificates: never checked (`CERT_NONE` is the only mode), so an impostor is accepted.
 * The wire format between `_fw_tls.py` and these services is ours (a pseudo-handshake).
 */
import type { ServiceConn, Session, TcpService } from './service.ts';
import type { TlsHost } from './world.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const REC_ALERT = 21;
export const REC_HANDSHAKE = 22;
export const REC_APPDATA = 23;

function record(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = type;
  out[1] = 3;
  out[2] = 3;
  out[3] = payload.length >> 8;
  out[4] = payload.length & 0xff;
  out.set(payload, 5);
  return out;
}

/** Wraps a plain service (HTTP, MQTT) in the host's TLS policy. */
export function tlsService(host: TlsHost, inner: TcpService): TcpService {
  return (c: ServiceConn) => {
    let buf = new Uint8Array(0);
    let stage: 'hello' | 'finish' | 'open' | 'dead' = 'hello';
    let session: Session | null = null;
    const sendApp = (data: Uint8Array) => {
      for (let o = 0; o < data.length; o += host.recordBytes) c.send(record(REC_APPDATA, data.slice(o, o + host.recordBytes)));
    };
    const proxy: ServiceConn = {
      remote: c.remote,
      send: (d) => sendApp(typeof d === 'string' ? enc.encode(d) : d),
      close: () => {
        c.send(record(REC_ALERT, Uint8Array.of(1, 0))); // close_notify
        c.close();
      },
      after: (ms, fn) => c.after(ms, fn),
      buffered: () => c.buffered(),
    };
    const onRecord = (type: number, p: Uint8Array) => {
      if (stage === 'hello') {
        if (type !== REC_HANDSHAKE || p[0] !== 1) return fail(10); // unexpected_message
        let hello: { suites?: string[] } = {};
        try {
          hello = JSON.parse(dec.decode(p.subarray(1))) as { suites?: string[] };
        } catch {
          /* malformed */
        }
        const common = (hello.suites ?? []).some((s) => host.kex.includes(s));
        if (!common) return fail(40); // handshake_failure: no cipher suite in common
        // ServerHello, Certificate (the chain's size), ServerHelloDone in one flight
        const info = enc.encode(JSON.stringify({ kex: 'RSA', subject: host.certSubject, issuer: host.certIssuer }));
        const flight = new Uint8Array(Math.max(1 + info.length, host.certChainBytes));
        flight[0] = 2;
        flight.set(info, 1);
        c.send(record(REC_HANDSHAKE, flight));
        stage = 'finish';
        return;
      }
      if (stage === 'finish') {
        if (type !== REC_HANDSHAKE || p[0] !== 20) return fail(10);
        c.send(record(REC_HANDSHAKE, Uint8Array.of(20)));
        stage = 'open';
        session = inner(proxy);
        return;
      }
      if (stage === 'open') {
        if (type === REC_APPDATA) session?.data(p);
        else if (type === REC_ALERT) {
          session?.ended?.();
          stage = 'dead';
        }
      }
    };
    const fail = (alert: number) => {
      stage = 'dead';
      c.send(record(REC_ALERT, Uint8Array.of(2, alert)));
      c.close();
    };
    return {
      data(bytes) {
        const joined = new Uint8Array(buf.length + bytes.length);
        joined.set(buf);
        joined.set(bytes, buf.length);
        buf = joined;
        while (buf.length >= 5 && stage !== 'dead') {
          const n = ((buf[3] as number) << 8) | (buf[4] as number);
          if (buf.length < 5 + n) return;
          const type = buf[0] as number;
          const p = buf.slice(5, 5 + n);
          buf = buf.slice(5 + n);
          onRecord(type, p);
        }
      },
      ended() {
        session?.ended?.();
        c.close();
      },
    };
  };
}
