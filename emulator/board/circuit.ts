/** The circuit panel's parts, shared by the board model (emulator thread) and the host (page). */
/**
 * The strapping parts of the blog's ESP-07 circuit that the circuit panel can change
 * (seeds/blog-getting-started-esp07.md: R3 pull-up on GPIO2, R4 pull-down on GPIO15; its first,
 * failed attempt had neither and wired GPIO15 to the Flash button).
 */
export interface Circuit {
  /** 10 kΩ from GPIO2 to 3.3 V. */
  gpio2PullUp: boolean;
  /** 10 kΩ from GPIO15 to ground. */
  gpio15PullDown: boolean;
  /** GPIO15 wired to the Flash button (pulled low only while it is held). */
  gpio15OnFlash: boolean;
  /**
   * A USB-serial adapter with the two-transistor DTR/RTS auto-reset circuit (NodeMCU style):
   * RTS asserted alone pulls EN low, DTR asserted alone pulls GPIO0 low (serial-port.ts,
   * reference serial-protocols.md §1.4). Not on the blog's board: there the buttons do it.
   * Optional so that circuits written before it existed read as "not fitted".
   */
  autoReset?: boolean;
  /**
   * GPIO16 wired to RST: the chip's deep-sleep timer wakes it by pulling GPIO16, and so RST, low
   * (MicroPython docs, esp8266 quickref "Deep-sleep mode"). Driving GPIO16 low from code then
   * resets the board. Optional: absent reads as "not fitted".
   */
  gpio16ToRst?: boolean;
}

/** The working circuit: both strapping resistors, GPIO15 not on the button. */
export const DEFAULT_CIRCUIT: Readonly<Circuit> = { gpio2PullUp: true, gpio15PullDown: true, gpio15OnFlash: false, autoReset: false, gpio16ToRst: false };
