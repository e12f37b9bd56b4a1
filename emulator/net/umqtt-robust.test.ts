/**
 * `umqtt.robust` (micropython-lib, frozen in ESP8266_GENERIC's 2 MiB+ build) against the virtual
 * broker: umqtt.simple's MQTTClient whose publish()/wait_msg() reconnect — connect(False) — after
 * an OSError and try again; reconnect() retries, calling delay(i) between attempts; log() prints
 * "mqtt reconnect: %r" / "mqtt: %r" when DEBUG is set (micropython-lib umqtt.robust README and
 * module documentation). The broker drops a client that is silent for 1.5 × its keepalive
 * (MQTT 3.1.1 §3.1.2.10), which is how these tests break the connection.
 */
import { describe, expect, it } from 'vitest';
import { CONNECT, instantBoards, out } from '../node/net-helpers.ts';

const boot = instantBoards();

describe('umqtt.robust', () => {
  it('publish reconnects when the socket is gone (OSError 9), and the message arrives', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
from umqtt.robust import MQTTClient
import umqtt.simple
got = []
watcher = umqtt.simple.MQTTClient('watcher', 'test.mosquitto.org')
watcher.set_callback(lambda t, m: got.append((t, m)))
watcher.connect()
watcher.subscribe('lab/robust')
c = MQTTClient('esp07-robust', 'test.mosquitto.org')
c.DEBUG = True
print(isinstance(c, umqtt.simple.MQTTClient), c.DELAY)
c.connect()
c.sock.close()
c.publish('lab/robust', 'after the drop')
watcher.wait_msg()
print(got)`);
    expect(o).toBe("True 2\nmqtt: OSError(9,)\n[(b'lab/robust', b'after the drop')]\n");
  });

  it('wait_msg reconnects after the broker dropped the connection (an overridden reconnect resubscribes)', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import umqtt.robust
class Client(umqtt.robust.MQTTClient):
    def reconnect(self):
        print('reconnecting, session present:', super().reconnect())
        self.subscribe('lab/greenhouse/temperature')
c = Client('esp07-robust', 'test.mosquitto.org', keepalive=1)
c.DEBUG = True
c.set_callback(lambda t, m: print('got', t, len(m) > 0))
c.connect()
c.keepalive = 0  # for the reconnection: the broker then waits for the sensor's next reading with us
time.sleep(4)  # silent for more than 1.5 x keepalive: the broker drops us
print(c.wait_msg())`, 60000);
    expect(o).toBe("mqtt: OSError(-1,)\nreconnecting, session present: 0\ngot b'lab/greenhouse/temperature' True\n48\n");
  });

  it('reconnect retries, calling delay(i), while the broker cannot be reached; check_msg gives up after its attempts', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
import umqtt.robust
class Client(umqtt.robust.MQTTClient):
    def delay(self, i):
        print('delay', i)
        if i == 2:
            self.server = 'test.mosquitto.org'
c = Client('esp07-robust', 'test.mosquitto.org')
c.DEBUG = True
c.set_callback(lambda t, m: None)
c.connect()
c.sock.close()
c.server = 'nowhere.invalid'
print(c.check_msg(attempts=1))
print(c.check_msg())
c.publish('lab/x', 'y')
print('published')`, 60000);
    expect(o).toBe('mqtt: OSError(9,)\nmqtt reconnect: OSError(-2,)\ndelay 1\nmqtt reconnect: OSError(-2,)\ndelay 2\nNone\nNone\npublished\n');
  });

  it('without DEBUG it prints nothing of its own', async () => {
    const b = await boot();
    const o = await out(b, `${CONNECT}
from umqtt.robust import MQTTClient
got = []
c = MQTTClient('esp07-quiet', 'test.mosquitto.org')
c.set_callback(lambda t, m: got.append(m))
c.connect()
c.subscribe('lab/quiet')
c.sock.close()
c.publish('lab/quiet', 'one')
print(got)
from umqtt import robust, simple
print(robust.MQTTClient is MQTTClient, simple.MQTTClient in MQTTClient.__bases__)`);
    expect(o).toBe('[]\nTrue True\n');
  });
});
