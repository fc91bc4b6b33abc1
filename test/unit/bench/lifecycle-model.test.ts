import { HISTORY_EVENT_LIMIT } from '../../../bench/history-events';
import { EXAMPLE, modelExecution, worstCase } from '../../../bench/lifecycle-model';

/**
 * Issue #10, defect 3: no setting CMV allows may take a change's execution near Step Functions'
 * 25,000-event history limit (the execution would fail uncatchably, the change stuck deploying).
 */
describe('bench/lifecycle-model', () => {
  describe('modelExecution()', () => {
    it("takes the example's change through at most 40 state transitions (its three 60 s bakes cost one wake each)", async () => {
      // Act
      const cost = await modelExecution(EXAMPLE);

      // Assert
      expect(cost.transitions).toBeLessThanOrEqual(40);
    });
  });

  describe('worstCase()', () => {
    it('stays well under the 25,000-event history limit at the largest allowed settings (10 steps, day-long bakes, linear 1 % CodeDeploy)', async () => {
      // Act
      const { scenarios, worst } = await worstCase(HISTORY_EVENT_LIMIT);

      // Assert: a fifth of the limit at most, for every strategy.
      expect(scenarios.map((s) => ({ scenario: s.scenario, cut: s.cut }))).toEqual([
        { scenario: 'alias-weights, largest settings', cut: false },
        { scenario: 'codedeploy, largest settings', cut: false },
      ]);
      expect(worst.historyEvents).toBeLessThan(HISTORY_EVENT_LIMIT / 5);
    });
  });
});
