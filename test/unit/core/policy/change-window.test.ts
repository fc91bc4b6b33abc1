import type { Blackout, ChangeWindow } from '../../../../lambdas/core/policy/change-policy';
import { earliestStart } from '../../../../lambdas/core/policy/change-window';

/** The default policy's window: Saturday 02:00–04:00 in Berlin. */
const SATURDAY_NIGHT: ChangeWindow[] = [{ days: ['sat'], start: '02:00', end: '04:00' }];
const BERLIN = 'Europe/Berlin';

/** earliestStart as an ISO string, for readable expectations. */
const start = (now: string, windows: readonly ChangeWindow[], blackouts: readonly Blackout[] = [], timeZone = BERLIN, bypass = false) =>
  earliestStart(new Date(now), windows, blackouts, timeZone, bypass).toISOString();

// 2026 calendar: Fri 27 Nov / Sat 28 Nov (CET, UTC+1); Fri 10 Jul / Sat 11 Jul (CEST, UTC+2).
// Europe's summer time 2026 starts Sun 29 Mar and ends Sun 25 Oct.
describe('change-window', () => {
  describe('earliestStart()', () => {
    it('returns now when the change may bypass windows (emergency), even inside a blackout', () => {
      // Arrange
      const freeze: Blackout[] = [{ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', reason: 'freeze' }];

      // Act
      const result = start('2026-11-27T11:00:00Z', SATURDAY_NIGHT, freeze, BERLIN, true);

      // Assert
      expect(result).toBe('2026-11-27T11:00:00.000Z');
    });

    it('returns now when there are no windows and no blackouts', () => {
      expect(start('2026-11-27T11:00:00Z', [])).toBe('2026-11-27T11:00:00.000Z');
    });

    it('returns now when now is inside the Saturday window', () => {
      // Sat 28 Nov 2026, 02:30 Berlin (CET) = 01:30Z
      expect(start('2026-11-28T01:30:00Z', SATURDAY_NIGHT)).toBe('2026-11-28T01:30:00.000Z');
    });

    it('returns the window start when now is exactly the start of the window', () => {
      expect(start('2026-11-28T01:00:00Z', SATURDAY_NIGHT)).toBe('2026-11-28T01:00:00.000Z');
    });

    it('waits for Saturday 02:00 Berlin (01:00Z) when it is Friday noon in winter', () => {
      // Fri 27 Nov 2026, 12:00 Berlin (CET) = 11:00Z
      expect(start('2026-11-27T11:00:00Z', SATURDAY_NIGHT)).toBe('2026-11-28T01:00:00.000Z');
    });

    it('waits for Saturday 02:00 Berlin (00:00Z) when it is Friday noon in summer time', () => {
      // Fri 10 Jul 2026, 12:00 Berlin (CEST) = 10:00Z
      expect(start('2026-07-10T10:00:00Z', SATURDAY_NIGHT)).toBe('2026-07-11T00:00:00.000Z');
    });

    it('waits for the following Saturday when it is Saturday 05:00 and the window has closed', () => {
      // Sat 28 Nov 2026, 05:00 Berlin = 04:00Z → Sat 5 Dec 02:00 Berlin
      expect(start('2026-11-28T04:00:00Z', SATURDAY_NIGHT)).toBe('2026-12-05T01:00:00.000Z');
    });

    it('waits for the following Saturday when now is exactly the end of the window', () => {
      expect(start('2026-11-28T03:00:00Z', SATURDAY_NIGHT)).toBe('2026-12-05T01:00:00.000Z');
    });

    it('keeps 02:00 local time when summer time starts between now and the next window', () => {
      // Sat 28 Mar 2026, 05:00 CET = 04:00Z; summer time starts Sun 29 Mar → Sat 4 Apr 02:00 CEST = 00:00Z
      expect(start('2026-03-28T04:00:00Z', SATURDAY_NIGHT)).toBe('2026-04-04T00:00:00.000Z');
    });

    it('keeps 02:00 local time when summer time ends between now and the next window', () => {
      // Sat 24 Oct 2026, 05:00 CEST = 03:00Z; summer time ends Sun 25 Oct → Sat 31 Oct 02:00 CET = 01:00Z
      expect(start('2026-10-24T03:00:00Z', SATURDAY_NIGHT)).toBe('2026-10-31T01:00:00.000Z');
    });

    it('picks the earliest of several windows when they fall on different days', () => {
      // Arrange: Tuesday evening and Saturday night; now is Monday 23 Nov 2026.
      const windows: ChangeWindow[] = [...SATURDAY_NIGHT, { days: ['tue', 'thu'], start: '18:00', end: '20:00' }];

      // Act
      const result = start('2026-11-23T11:00:00Z', windows);

      // Assert: Tue 24 Nov 18:00 Berlin = 17:00Z
      expect(result).toBe('2026-11-24T17:00:00.000Z');
    });

    it('skips to the first window after the blackout when a blackout covers the next window', () => {
      // Arrange: Mon 21 Dec 2026; the freeze covers Sat 26 Dec and ends Wed 30 Dec.
      const freeze: Blackout[] = [{ from: '2026-12-23T00:00:00+01:00', to: '2026-12-30T00:00:00+01:00', reason: 'year-end freeze' }];

      // Act
      const result = start('2026-12-21T11:00:00Z', SATURDAY_NIGHT, freeze);

      // Assert: Sat 2 Jan 2027 02:00 Berlin = 01:00Z
      expect(result).toBe('2027-01-02T01:00:00.000Z');
    });

    it('starts when the blackout ends when it ends inside a window', () => {
      // Arrange: the blackout ends Sat 28 Nov 2026 at 03:00 Berlin, in the middle of the window.
      const blackout: Blackout[] = [{ from: '2026-11-27T00:00:00+01:00', to: '2026-11-28T03:00:00+01:00', reason: 'data-centre move' }];

      // Act
      const result = start('2026-11-27T11:00:00Z', SATURDAY_NIGHT, blackout);

      // Assert
      expect(result).toBe('2026-11-28T02:00:00.000Z');
    });

    it('skips every blackout when one ends inside the next', () => {
      // Arrange: two overlapping freezes cover 28 Nov and 5 Dec.
      const blackouts: Blackout[] = [
        { from: '2026-11-27T00:00:00Z', to: '2026-12-03T00:00:00Z', reason: 'first' },
        { from: '2026-12-02T00:00:00Z', to: '2026-12-07T00:00:00Z', reason: 'second' },
      ];

      // Act
      const result = start('2026-11-27T11:00:00Z', SATURDAY_NIGHT, blackouts);

      // Assert: Sat 12 Dec 02:00 Berlin
      expect(result).toBe('2026-12-12T01:00:00.000Z');
    });

    it('returns the end of the blackout when there are no windows and now is inside a blackout', () => {
      // Arrange
      const freeze: Blackout[] = [{ from: '2026-12-23T00:00:00+01:00', to: '2027-01-02T00:00:00+01:00', reason: 'year-end freeze' }];

      // Act
      const result = start('2026-12-24T11:00:00Z', [], freeze);

      // Assert
      expect(result).toBe('2027-01-01T23:00:00.000Z');
    });

    it('returns now when there are no windows and the only blackout is over', () => {
      const past: Blackout[] = [{ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', reason: 'past' }];

      expect(start('2026-11-27T11:00:00Z', [], past)).toBe('2026-11-27T11:00:00.000Z');
    });

    it('rejects windows and blackouts that leave no start within a year', () => {
      // Arrange: a blackout longer than a year.
      const forever: Blackout[] = [{ from: '2026-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z', reason: 'never' }];

      // Act / Assert
      expect(() => start('2026-06-01T00:00:00Z', SATURDAY_NIGHT, forever)).toThrow(/no deployment start is possible within a year/);
    });
  });
});
