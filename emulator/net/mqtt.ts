/**
 * An MQTT 3.1.1 broker on the virtual internet (`test.mosquitto.org` / `broker.hivemq.com`,
 * port 1883), enough for `umqtt.simple`: CONNECT/CONNACK, PUBLISH (QoS 0 and 1, retained
 * messages), SUBSCRIBE/SUBACK with `+` and `#` wildcards, UNSUBSCRIBE, PINGREQ/PINGRESP,
 * DISCONNECT, the keepalive timeout (1.5 × keepalive, MQTT 3.1.1 §3.1.2.10).
 *
 * A "lab sensor" client lives in the broker: it publishes `lab/greenhouse/temperature` every
 * 5 seconds (virtual time), so a board that subscribes gets messages from someone else.
 * {@link brokerPublish} lets the page (or a test) publish as another client would.
 *
 * Packet formats: OASIS MQTT 3.1.1 (§2 fixed header and remaining length, §3 control packets).
 */
import type { ServiceConn, Session, TcpService } from './service.ts';

interface Subscriber {
  filters: Map<string, number>; // filter → granted QoS
  deliver(topic: string, payload: Uint8Array, qos: number, retain: boolean): void;
}

const subscribers = new Set<Subscriber>();
const retained = new Map<string, Uint8Array>();
const enc = new TextEncoder();
const dec = new TextDecoder();

/** MQTT topic matching (§4.7): `+` one level, `#` the rest. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return !(i === 0 && topic.startsWith('$'));
    if (i >= t.length) return false;
    if (f[i] === '+') {
      if (i === 0 && topic.startsWith('$')) return false;
      continue;
    }
    if (f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Publishes to every matching subscriber (as another client of the broker would). */
export function brokerPublish(topic: string, payload: Uint8Array | string, retain = false): void {
  const body = typeof payload === 'string' ? enc.encode(payload) : payload;
  if (retain) {
    if (body.length === 0) retained.delete(topic);
    else retained.set(topic, body);
  }
  for (const s of subscribers) {
    let qos = -1;
    for (const [f, q] of s.filters) if (topicMatches(f, topic)) qos = Math.max(qos, q);
    if (qos >= 0) s.deliver(topic, body, qos, false);
  }
}

/** Clears the broker (a new board in tests). */
export function resetBroker(): void {
  subscribers.clear();
  retained.clear();
}

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function packet(type: number, flags: number, body: number[] | Uint8Array): Uint8Array {
  const head = [(type << 4) | flags, ...remainingLength(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function str(s: string): number[] {
  const b = enc.encode(s);
  return [b.length >> 8, b.length & 0xff, ...b];
}

export const LAB_SENSOR_TOPIC = 'lab/greenhouse/temperature';

/** The lab's sensor client, as this connection sees it: a temperature every 5 s. */
function labSensor(c: ServiceConn, sub: Subscriber): void {
  let t = 0;
  const tick = () => {
    t++;
    const temp = (21 + Math.sin(t / 4) * 1.5).toFixed(1);
    let qos = -1;
    for (const [f, q] of sub.filters) if (topicMatches(f, LAB_SENSOR_TOPIC)) qos = Math.max(qos, q);
    if (qos >= 0) sub.deliver(LAB_SENSOR_TOPIC, enc.encode(temp), qos, false);
    c.after(5000, tick);
  };
  c.after(5000, tick);
}

export const mqttBroker: TcpService = (c) => {
  let buf = new Uint8Array(0);
  let connected = false;
  let keepaliveMs = 0;
  let lastHeard = 0;
  let clock = 0; // ms since the connection started, advanced by our own timers
  let nextId = 1;
  const sub: Subscriber = {
    filters: new Map(),
    deliver(topic, payload, qos, retain) {
      if (!connected) return;
      const body = [...str(topic)];
      let flags = retain ? 1 : 0;
      if (qos > 0) {
        flags |= 2; // QoS 1
        const id = nextId++ & 0xffff || (nextId++ & 0xffff);
        body.push(id >> 8, id & 0xff);
      }
      const out = new Uint8Array(body.length + payload.length);
      out.set(body);
      out.set(payload, body.length);
      c.send(packet(3, flags, out));
    },
  };
  const end = () => {
    subscribers.delete(sub);
    connected = false;
    c.close();
  };
  // the keepalive watch: 1.5 × keepalive without a packet ends the connection
  const watch = () => {
    clock += 1000;
    if (keepaliveMs > 0 && clock - lastHeard > keepaliveMs * 1.5) {
      end();
      return;
    }
    c.after(1000, watch);
  };
  c.after(1000, watch);
  labSensor(c, sub);

  const handle = (type: number, flags: number, p: Uint8Array) => {
    lastHeard = clock;
    const u16 = (o: number) => ((p[o] ?? 0) << 8) | (p[o + 1] ?? 0);
    const s16 = (o: number): [string, number] => {
      const n = u16(o);
      return [dec.decode(p.subarray(o + 2, o + 2 + n)), o + 2 + n];
    };
    if (!connected && type !== 1) return end();
    switch (type) {
      case 1: { // CONNECT
        const [proto, o] = s16(0);
        const level = p[o] ?? 0;
        keepaliveMs = u16(o + 2) * 1000;
        const [clientId] = s16(o + 4);
        if (proto !== 'MQTT' || level !== 4) {
          c.send(packet(2, 0, [0, 1])); // unacceptable protocol version
          return end();
        }
        if (!clientId && !((p[o + 1] ?? 0) & 2)) {
          c.send(packet(2, 0, [0, 2])); // identifier rejected
          return end();
        }
        connected = true;
        subscribers.add(sub);
        c.send(packet(2, 0, [0, 0]));
        return;
      }
      case 3: { // PUBLISH
        const qos = (flags >> 1) & 3;
        const [topic, o] = s16(0);
        let at = o;
        if (qos > 0) {
          const id = u16(at);
          at += 2;
          c.send(packet(qos === 1 ? 4 : 5, 0, [id >> 8, id & 0xff]));
        }
        brokerPublish(topic, p.slice(at), (flags & 1) === 1);
        return;
      }
      case 6: { // PUBREL (QoS 2)
        c.send(packet(7, 0, [p[0] ?? 0, p[1] ?? 0]));
        return;
      }
      case 8: { // SUBSCRIBE
        const id = u16(0);
        const granted: number[] = [];
        const newFilters: string[] = [];
        let o = 2;
        while (o < p.length) {
          const [f, n] = s16(o);
          const q = Math.min(1, (p[n] ?? 0) & 3);
          sub.filters.set(f, q);
          granted.push(q);
          newFilters.push(f);
          o = n + 1;
        }
        c.send(packet(9, 0, [id >> 8, id & 0xff, ...granted]));
        for (const f of newFilters) {
          for (const [topic, body] of retained) if (topicMatches(f, topic)) sub.deliver(topic, body, sub.filters.get(f) ?? 0, true);
        }
        return;
      }
      case 10: { // UNSUBSCRIBE
        const id = u16(0);
        let o = 2;
        while (o < p.length) {
          const [f, n] = s16(o);
          sub.filters.delete(f);
          o = n;
        }
        c.send(packet(11, 0, [id >> 8, id & 0xff]));
        return;
      }
      case 12: // PINGREQ
        c.send(packet(13, 0, []));
        return;
      case 14: // DISCONNECT
        return end();
      default:
        return;
    }
  };

  const session: Session = {
    data(bytes) {
      const joined = new Uint8Array(buf.length + bytes.length);
      joined.set(buf);
      joined.set(bytes, buf.length);
      buf = joined;
      for (;;) {
        if (buf.length < 2) return;
        let len = 0;
        let mul = 1;
        let i = 1;
        for (;;) {
          if (i >= buf.length) return;
          const b = buf[i++] as number;
          len += (b & 0x7f) * mul;
          mul *= 128;
          if (!(b & 0x80)) break;
          if (i > 4) return end();
        }
        if (buf.length < i + len) return;
        const type = (buf[0] as number) >> 4;
        const flags = (buf[0] as number) & 15;
        const payload = buf.slice(i, i + len);
        buf = buf.slice(i + len);
        handle(type, flags, payload);
      }
    },
    ended() {
      end();
    },
  };
  return session;
};
