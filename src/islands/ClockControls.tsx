/**
 * The board's virtual clock: pause it, run it at ×1, ×60 or ×3600, or jump it forward by 1 or 8
 * hours. Every sleep, tick counter, timer, RTC read and deep-sleep timer follows it (a jump is a
 * fast-forward: code that sleeps runs through the jumped time). Also the RTC's drift, which each
 * board has its own of, and the board's time since its last reset.
 */
import { useEffect, useState } from 'preact/hooks';
import type { BoardHost } from '../../emulator/link/host.ts';
import { BOARD_RTC, driftPpmFromSecondsPerMinute, driftSecondsPerMinute } from '../../emulator/chip/rtc.ts';

const RATES: { rate: number; label: string; title: string }[] = [
  { rate: 0, label: 'Pause', title: 'Stop the board clock: ticks, sleeps, timers and the RTC stand still' },
  { rate: 1, label: '×1', title: 'Real time' },
  { rate: 60, label: '×60', title: 'One minute per second' },
  { rate: 3600, label: '×3600', title: 'One hour per second' },
];

/** "2 h 05 min 07 s", "3 min 02 s", "12.3 s". */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min ${String(sec).padStart(2, '0')} s`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, '0')} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export function ClockControls({ board }: { board: BoardHost }) {
  const [rate, setRate] = useState(board.clockRate);
  const [uptime, setUptime] = useState(board.uptimeMs());
  const [sleeping, setSleeping] = useState(board.view.sleeping);
  const [drift, setDrift] = useState(driftSecondsPerMinute(board.rtcDriftPpm));
  useEffect(() => {
    const tick = setInterval(() => setUptime(board.uptimeMs()), 250);
    const off = board.on('view', (v) => {
      setSleeping(v.sleeping);
      setUptime(board.uptimeMs());
    });
    return () => {
      clearInterval(tick);
      off();
    };
  }, [board]);

  const pick = (r: number) => {
    board.setClockRate(r);
    setRate(r);
  };
  const jump = (hours: number) => {
    board.jumpClock(hours * 3_600_000);
    setUptime(board.uptimeMs());
  };
  const changeDrift = (s: number) => {
    if (!Number.isFinite(s) || Math.abs(s) > 30) return;
    setDrift(s);
    board.setRtcDrift(driftPpmFromSecondsPerMinute(s));
  };

  return (
    <div class="clock-controls" role="group" aria-label="Board clock" data-testid="clock-controls">
      <span class="clock-label">Clock</span>
      <span class="clock-rates">
        {RATES.map((r) => (
          <button
            type="button"
            class="hw-button"
            aria-pressed={rate === r.rate}
            title={r.title}
            data-rate={r.rate}
            onClick={() => pick(r.rate)}
          >
            {r.label}
          </button>
        ))}
      </span>
      <button type="button" class="hw-button" data-testid="jump-1h" title="Let one hour pass at once" onClick={() => jump(1)}>
        +1 h
      </button>
      <button type="button" class="hw-button" data-testid="jump-8h" title="Let eight hours pass at once (longer than the RTC's 7 h 45 min wrap)" onClick={() => jump(8)}>
        +8 h
      </button>
      <output class="clock-uptime" data-testid="board-uptime" aria-live="off" title="The board's time since its last reset or wake">
        {`up ${formatUptime(uptime)}${sleeping ? ' · deep sleep' : ''}${rate === 0 ? ' · paused' : ''}`}
      </output>
      <label class="clock-drift" title="How far this board's RTC runs fast (+) or slow (−); the ESP8266's RC slow clock is off by up to seconds per minute">
        <span>RTC drift</span>
        <input
          type="number"
          step="0.05"
          min="-30"
          max="30"
          value={drift.toFixed(2)}
          data-testid="rtc-drift"
          onChange={(e) => changeDrift(Number((e.currentTarget as HTMLInputElement).value))}
        />
        <span>{`s/min (this board: ${driftSecondsPerMinute(BOARD_RTC.driftPpm).toFixed(2)})`}</span>
      </label>
    </div>
  );
}
