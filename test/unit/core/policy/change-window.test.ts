import { earliestStart } from '../../../../lambdas/core/policy/change-window';

const SATURDAY_NIGHT = [{ days: ['sat' as const], start: '02:00', end: '04:00' }];
const at = (iso: string) => new Date(iso);

describe('change-window', () => {
  describe('earliestStart()', () => {
    it('starts now when the change may bypass windows (emergency)', () => {
      expect(earliestStart(at('2026-11-20T12:00:00Z'), SATURDAY_NIGHT, [], 'Europe/Berlin', true).toISOString()).toBe('2026-11-20T12:00:00.000Z');
    });

    it('starts now when there are no windows and no blackouts', () => {
      expect(earliestStart(at('2026-11-20T12:00:00Z'), [], [], 'Europe/Berlin').toISOString()).toBe('2026-11-20T12:00:00.000Z');
    });

    it('starts now when now is inside the window', () => {
      // Saturday 28 Nov 2026, 02:30 in Berlin (CET, UTC+1) = 01:30Z
      expect(earliestStart(at('2026-11-28T01:30:00Z'), SATURDAY_NIGHT, [], 'Europe/Berlin').toISOString()).toBe('2026-11-28T01:30:00.000Z');
    });

    it('waits for Saturday 02:00 Berlin time in winter (01:00Z)', () => {
      expect(earliestStart(at('2026-11-27T12:00:00Z'), SATURDAY_NIGHT, [], 'Europe/Berlin').toISOString()).toBe('2026-11-28T01:00:00.000Z');
    });

    it('waits for Saturday 02:00 Berlin time in summer (00:00Z, CEST)', () => {
      expect(earliestStart(at('2026-07-10T12:00:00Z'), SATURDAY_NIGHT, [], 'Europe/Berlin').toISOString()).toBe('2026-07-11T00:00:00.000Z');
    });

    it('moves to the next week when this week’s window has closed', () => {
      // Saturday 28 Nov 2026, 05:00 Berlin: the window closed at 04:00
      expect(earliestStart(at('2026-11-28T04:00:00Z'), SATURDAY_NIGHT, [], 'Europe/Berlin').toISOString()).toBe('2026-12-05T01:00:00.000Z');
    });

    it('skips a window that falls in a blackout', () => {
      const freeze = [{ from: '2026-12-23T00:00:00+01:00', to: '2027-01-02T00:00:00+01:00', reason: 'year-end freeze' }];
      expect(earliestStart(at('2026-12-21T12:00:00Z'), SATURDAY_NIGHT, freeze, 'Europe/Berlin').toISOString()).toBe('2027-01-02T01:00:00.000Z');
    });

    it('starts when a blackout ends when there are no windows', () => {
      const freeze = [{ from: '2026-12-23T00:00:00Z', to: '2027-01-02T00:00:00Z', reason: 'year-end freeze' }];
      expect(earliestStart(at('2026-12-24T12:00:00Z'), [], freeze, 'UTC').toISOString()).toBe('2027-01-02T00:00:00.000Z');
    });

    it('rejects windows and blackouts that leave no start within a year', () => {
      const forever = [{ from: '2026-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z', reason: 'never' }];
      expect(() => earliestStart(at('2026-06-01T00:00:00Z'), SATURDAY_NIGHT, forever, 'UTC')).toThrow(/no deployment start is possible within a year/);
    });
  });
});
