# `umqtt.robust` (micropython-lib, frozen in the ESP8266_GENERIC 2 MiB+ build), written for the
# emulator from its documented behaviour: umqtt.simple's MQTTClient that, when a network
# operation raises OSError, reconnects (connect(False): the broker keeps the session) and tries
# again. reconnect() retries until connect() works, calling delay(i) (sleeps DELAY = 2 s) between
# attempts; log(in_reconnect, e) prints "mqtt reconnect: %r" / "mqtt: %r" when DEBUG is set.
# publish() and wait_msg() retry for ever; check_msg(attempts=2) gives up after that many.
# Applications are expected to subclass it and override delay() and reconnect().
import time
from umqtt import simple


class MQTTClient(simple.MQTTClient):
    DELAY = 2
    DEBUG = False

    def delay(self, i):
        time.sleep(self.DELAY)

    def log(self, in_reconnect, e):
        if not self.DEBUG:
            return
        print(('mqtt reconnect: %r' if in_reconnect else 'mqtt: %r') % e)

    def reconnect(self):
        attempt = 0
        while True:
            try:
                return super().connect(False)
            except OSError as e:
                self.log(True, e)
                attempt += 1
                self.delay(attempt)

    def publish(self, topic, msg, retain=False, qos=0):
        while True:
            try:
                return super().publish(topic, msg, retain, qos)
            except OSError as e:
                self.log(False, e)
            self.reconnect()

    def wait_msg(self):
        while True:
            try:
                return super().wait_msg()
            except OSError as e:
                self.log(False, e)
            self.reconnect()

    def check_msg(self, attempts=2):
        while attempts:
            self.sock.setblocking(False)
            try:
                return super().wait_msg()
            except OSError as e:
                self.log(False, e)
            self.reconnect()
            attempts -= 1
