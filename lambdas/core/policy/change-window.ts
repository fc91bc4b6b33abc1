import { DateTime } from 'luxon';
import type { Blackout, ChangeWindow } from './change-policy';

const WEEKDAY = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 } as const;

/**
 * The earliest moment at or after `now` when a deployment may start: inside one of the weekly
 * `windows` (in `timeZone`, DST-aware) and outside every blackout. No windows: any time outside
 * blackouts. `bypass` (emergency): `now`.
 * @throws Error when no start exists within a year (windows and blackouts exclude everything)
 */
export function earliestStart(now: Date, windows: readonly ChangeWindow[], blackouts: readonly Blackout[], timeZone: string, bypass = false): Date {
  if (bypass) return now;
  let candidate = DateTime.fromJSDate(now, { zone: timeZone });
  const limit = candidate.plus({ years: 1 });
  while (candidate < limit) {
    const inWindow = windows.length === 0 ? candidate : nextWindowStart(candidate, windows);
    const blocking = blackouts.find((b) => DateTime.fromISO(b.from) <= inWindow && inWindow < DateTime.fromISO(b.to));
    if (!blocking) return inWindow.toJSDate();
    candidate = DateTime.fromISO(blocking.to).setZone(timeZone);
  }
  throw new Error('no deployment start is possible within a year: the windows and blackouts exclude every moment');
}

/** The first moment ≥ `from` inside a window (`from` itself when already inside one). */
function nextWindowStart(from: DateTime, windows: readonly ChangeWindow[]): DateTime {
  let best: DateTime | undefined;
  for (let d = 0; d <= 7; d++) {
    const day = from.startOf('day').plus({ days: d });
    for (const w of windows) {
      if (!w.days.some((name) => WEEKDAY[name] === day.weekday)) continue;
      const start = at(day, w.start);
      const end = at(day, w.end);
      if (from >= end) continue;
      const t = from > start ? from : start;
      if (!best || t < best) best = t;
    }
    if (best) return best;
  }
  throw new Error('change windows have no day');
}

function at(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}
