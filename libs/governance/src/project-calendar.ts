// The project's calendar: daily limits and budgets count in the project's time zone, so a
// day is a local date and it resets at local midnight, not UTC's.

export { projectDay } from '@genaug/kernel';

/** The month a project day belongs to, YYYY-MM. */
export const monthOf = (day: string): string => day.slice(0, 7);

// Building an Intl formatter costs far more than using one: one per zone, kept.
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at `at`, in ms. */
function zoneOffsetMs(at: number, timeZone: string): number {
  let format = wallClocks.get(timeZone);
  if (!format) {
    const options = { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' } as const;
    wallClocks.set(timeZone, (format = new Intl.DateTimeFormat('en-US', options)));
  }
  const parts = format.formatToParts(new Date(at));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant a local date starts in the zone (its midnight, or the first moment after a DST gap). */
export function startOfDay(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const wallMidnight = Date.UTC(y, m - 1, d);
  let at = wallMidnight - zoneOffsetMs(wallMidnight, timeZone);
  // The offset at the guess may differ from the offset at midnight itself (DST): correct once.
  at = wallMidnight - zoneOffsetMs(at, timeZone);
  return new Date(at);
}

const nextDate = (y: number, m: number, d: number): string => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

/** When a project day's limits reset: the next local midnight. */
export function dayResetsAt(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return startOfDay(nextDate(y, m, d + 1), timeZone);
}

/** When a month's budgets reset: local midnight on the first of the next month. */
export function monthResetsAt(month: string, timeZone: string): Date {
  const [y, m] = month.split('-').map(Number);
  return startOfDay(nextDate(y, m + 1, 1), timeZone);
}
