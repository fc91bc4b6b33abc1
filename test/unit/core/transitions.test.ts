import { CHANGE_STATUSES, type ChangeStatus, FINAL_STATUSES } from '../../../lambdas/core/change';
import { ConflictError } from '../../../lambdas/core/errors';
import { type ChangeEvent, TRANSITIONS, transition } from '../../../lambdas/core/transitions';

const EVENTS = Object.keys(TRANSITIONS) as ChangeEvent[];

describe('transitions', () => {
  describe('transition()', () => {
    it.each([
      ['submitted', 'TestsStarted', 'testing'],
      ['testing', 'ApprovalRequested', 'awaiting_approval'],
      ['testing', 'TestsFailed', 'tests_failed'],
      ['awaiting_approval', 'ChangeRejected', 'rejected'],
      ['awaiting_approval', 'ApprovalExpired', 'expired'],
      ['awaiting_approval', 'DeploymentScheduled', 'scheduled'],
      ['awaiting_approval', 'DeploymentStarted', 'deploying'],
      ['scheduled', 'DeploymentStarted', 'deploying'],
      ['scheduled', 'ChangeFailed', 'failed'],
      ['deploying', 'ChangeDeployed', 'deployed'],
      ['deploying', 'ChangeRolledBack', 'rolled_back'],
      ['submitted', 'ChangeFailed', 'failed'],
      ['deploying', 'ChangeFailed', 'failed'],
    ] as const)('moves a %s change on %s to %s', (from, event, to) => {
      expect(transition(from, event)).toBe(to);
    });

    it.each([
      ['testing', 'TestsPassed'],
      ['awaiting_approval', 'ApprovalRecorded'],
      ['awaiting_approval', 'ChangeApproved'],
      ['testing', 'TestsDeferred'],
      ['deploying', 'DeferredTestsPassed'],
      ['deploying', 'VersionPublished'],
      ['deploying', 'TrafficShifted'],
      ['deploying', 'CanaryStepChecked'],
    ] as const)('keeps a %s change in its status on %s', (from, event) => {
      expect(transition(from, event)).toBe(from);
    });

    it.each([
      ['submitted', 'TestsPassed'],
      ['testing', 'DeploymentStarted'],
      ['deploying', 'ApprovalRecorded'],
      ['awaiting_approval', 'ApprovalRequested'],
      ['awaiting_approval', 'ChangeDeployed'],
      ['submitted', 'ApprovalRequested'],
      ['testing', 'DeploymentScheduled'],
      ['scheduled', 'DeploymentScheduled'],
      ['scheduled', 'ApprovalRecorded'],
      ['awaiting_approval', 'TestsPassed'],
    ] as const)('rejects %s on %s with ConflictError naming both', (from, event) => {
      expect(() => transition(from, event)).toThrow(ConflictError);
      expect(() => transition(from, event)).toThrow(`cannot record ${event} for a change that is ${from}`);
    });

    it('rejects ChangeProposed from every status because it only creates a change', () => {
      for (const status of CHANGE_STATUSES) expect(() => transition(status, 'ChangeProposed')).toThrow(ConflictError);
    });

    it.each([...FINAL_STATUSES])(
      'never moves a change out of %s (final): only the review and an advance are recorded there, in place',
      (status: ChangeStatus) => {
        // Arrange: the events allowed from this final status.
        const allowed = EVENTS.filter((event) => (TRANSITIONS[event].from as readonly ChangeStatus[]).includes(status));

        // Act / Assert
        expect(allowed.every((event) => transition(status, event) === status)).toBe(true);
        expect(allowed.filter((event) => event !== 'PostImplementationReviewRecorded' && !(event === 'ChangeAdvanced' && status === 'deployed'))).toEqual([]);
        for (const event of EVENTS.filter((e) => !allowed.includes(e))) expect(() => transition(status, event)).toThrow(ConflictError);
      },
    );

    it('gives every non-final status at least one event that leaves it', () => {
      const open = CHANGE_STATUSES.filter((s) => !FINAL_STATUSES.has(s));

      const stuck = open.filter((status) =>
        EVENTS.every((event) => {
          const rule = TRANSITIONS[event];
          return !(rule.from as readonly ChangeStatus[]).includes(status) || rule.to === 'same';
        }),
      );

      expect(stuck).toEqual([]);
    });
  });
});
