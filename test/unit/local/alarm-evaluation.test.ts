import { type AlarmState, alarmState, evaluationIntervalSeconds, evaluationRangeLength } from '../../../lib/local/alarm-evaluation';
import { cells, EARLIER_EDITION_ROWS, MISSING_DATA_TABLES, parsePoints } from '../../fixtures/missing-data-tables';

describe('alarm-evaluation', () => {
  describe('alarmState()', () => {
    test.each(cells([...MISSING_DATA_TABLES, ...EARLIER_EDITION_ROWS]))(
      '$points, $datapointsToAlarm of $evaluationPeriods, $treat → $state (User Guide)',
      ({ points, treat, datapointsToAlarm, evaluationPeriods, state }) => {
        const rule = { evaluationPeriods, datapointsToAlarm, treatMissingData: treat };
        for (const current of ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as AlarmState[]) {
          expect(alarmState(parsePoints(points), rule, current).state).toBe(state === 'retain' ? current : state);
        }
      },
    );

    it('evaluates the N most recent real datapoints when the range holds N of them, skipping missing periods', () => {
      const rule = { evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: 'breaching' as const };
      // X - X -: two real breaching datapoints, the missing ones are not needed.
      expect(alarmState([true, undefined, true, undefined], rule, 'OK')).toEqual({ state: 'ALARM', basis: 'datapoints', evaluated: 2, breaching: 2 });
      // 0 X - 0: the most recent real ones are X and 0.
      expect(alarmState([false, true, undefined, false], rule, 'ALARM').state).toBe('OK');
    });

    it('goes to ALARM on M real breaching datapoints even when fewer than N are real, whatever the treatment', () => {
      for (const treat of ['missing', 'ignore', 'breaching', 'notBreaching'] as const) {
        expect(
          alarmState([true, undefined, undefined, undefined, true], { evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: treat }, 'OK').state,
        ).toBe('ALARM');
      }
    });

    it('rejects a range shorter than EvaluationPeriods and DatapointsToAlarm outside 1..N', () => {
      expect(() => alarmState([true], { evaluationPeriods: 2, datapointsToAlarm: 1, treatMissingData: 'missing' }, 'OK')).toThrow(
        /fewer than EvaluationPeriods/,
      );
      expect(() => alarmState([true, true], { evaluationPeriods: 2, datapointsToAlarm: 3, treatMissingData: 'missing' }, 'OK')).toThrow(/DatapointsToAlarm/);
    });
  });

  describe('evaluationRangeLength()', () => {
    it('retrieves 5 periods for 3 evaluation periods, as the User Guide examples do', () => {
      expect(evaluationRangeLength(3)).toBe(5);
    });
  });

  describe('evaluationIntervalSeconds()', () => {
    it('evaluates every 10 s below a minute, every minute up to a day of periods, and hourly beyond', () => {
      expect([
        evaluationIntervalSeconds(10, 3),
        evaluationIntervalSeconds(60, 5),
        evaluationIntervalSeconds(3_600, 24),
        evaluationIntervalSeconds(3_600, 25),
      ]).toEqual([10, 60, 60, 3_600]);
    });
  });
});
