/** The board's supply current, shared by the board model and the page (no other imports). */
/**
 * Supply current of the ESP-07, in µA. Asleep: 20 µA, the ESP8266EX datasheet's deep-sleep figure
 * (Espressif, "ESP8266EX Datasheet" v6.x, §5 Electrical Characteristics, table "Power
 * Consumption": deep-sleep 20 µA, modem-sleep 15 mA, Rx 50–56 mA, Tx up to 170 mA). Awake: 70 mA,
 * our estimate of the average of a MicroPython board with its radio on (the firmware starts the
 * access point; receive 50–56 mA plus beacons sent at up to 170 mA); it is not a datasheet value.
 */
export function supplyMicroAmps(sleeping: boolean): number {
  return sleeping ? 20 : 70_000;
}
