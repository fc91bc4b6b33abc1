import { TZDate } from '@date-fns/tz';
import type { Blackout, ChangeWindow } from './change-policy';

/** `Date.prototype.getDay()` numbers: Sunday 0 … Saturday 6 (of a TZDate, in its zone). */
const WEEKDAY = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } as const;

/**
 * The earliest moment at or after `now` when a deployment may start: inside one of the weekly
 * `windows` (in `timeZone`, DST-aware) and outside every blackout. No windows: any time outside
 * blackouts. `bypass` (emergency): `now`. Wall-clock arithmetic in the zone is @date-fns/tz's
 * `TZDate` (a Date whose fields are read and set in its zone, from the platform's Intl data).
 * @throws Error when no start exists within a year (windows and blackouts exclude everything)
 */
export function earliestStart(now: Date, windows: readonly ChangeWindow[], blackouts: readonly Blackout[], timeZone: string, bypass = false): Date {
  if (bypass) return now;
  let candidate = new TZDate(now.getTime(), timeZone);
  const limit = new TZDate(candidate.getFullYear() + 1, candidate.getMonth(), candidate.getDate(), candidate.getHours(), candidate.getMinutes(), timeZone);
  while (candidate < limit) {
    const inWindow = windows.length === 0 ? candidate : nextWindowStart(candidate, windows);
    const blocking = blackouts.find((b) => Date.parse(b.from) <= inWindow.getTime() && inWindow.getTime() < Date.parse(b.to));
    if (!blocking) return new Date(inWindow.getTime());
    candidate = new TZDate(Date.parse(blocking.to), timeZone);
  }
  throw new Error('no deployment start is possible within a year: the windows and blackouts exclude every moment');
}

/** The first moment ≥ `from` inside a window (`from` itself when already inside one). */
function nextWindowStart(from: TZDate, windows: readonly ChangeWindow[]): TZDate {
  let best: TZDate | undefined;
  for (let d = 0; d <= 7; d++) {
    // The d-th day after from's, at midnight in its zone (the Date constructor carries a day past the month's end).
    const day = new TZDate(from.getFullYear(), from.getMonth(), from.getDate() + d, from.timeZone as string);
    for (const w of windows) {
      if (!w.days.some((name) => WEEKDAY[name] === day.getDay())) continue;
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

function at(day: TZDate, hhmm: string): TZDate {
  const [hour, minute] = hhmm.split(':').map(Number);
  return new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute, day.timeZone as string);
}
