import { dayResetsAt, monthOf, monthResetsAt, projectDay, startOfDay } from '@genaug/governance';

describe('project calendar', () => {
  it('counts days in the project time zone', () => {
    const at = new Date('2026-03-10T03:30:00Z');
    expect(projectDay(at, 'UTC')).toBe('2026-03-10');
    expect(projectDay(at, 'America/New_York')).toBe('2026-03-09');
    expect(projectDay(at, 'Asia/Tokyo')).toBe('2026-03-10');
    expect(monthOf('2026-03-09')).toBe('2026-03');
  });

  it('resets a day at local midnight, across daylight saving changes', () => {
    expect(dayResetsAt('2026-03-10', 'UTC').toISOString()).toBe('2026-03-11T00:00:00.000Z');
    // New York is on EST (-5) until 8 March 2026, EDT (-4) after.
    expect(dayResetsAt('2026-03-07', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(dayResetsAt('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(startOfDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(dayResetsAt('2026-12-31', 'Asia/Kolkata').toISOString()).toBe('2026-12-31T18:30:00.000Z');
  });

  it('resets a month on the first of the next, local time', () => {
    expect(monthResetsAt('2026-03', 'UTC').toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(monthResetsAt('2026-12', 'Europe/Paris').toISOString()).toBe('2026-12-31T23:00:00.000Z');
  });
});
