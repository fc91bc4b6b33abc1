import { approvalBacklogAge, metricsOfEntry } from '../../../lambdas/core/operational-metrics';

const at = '2026-11-22T10:00:00.000Z';

describe('operational-metrics', () => {
  describe('metricsOfEntry()', () => {
    it('counts a proposal, a deployment start and a vote', () => {
      expect(metricsOfEntry({ type: 'ChangeProposed', time: at, details: {} })).toEqual([{ name: 'ChangesProposed', unit: 'Count', value: 1 }]);
      expect(metricsOfEntry({ type: 'DeploymentStarted', time: at, details: {} })).toEqual([{ name: 'DeploymentsStarted', unit: 'Count', value: 1 }]);
      for (const type of ['ApprovalRecorded', 'ChangeApproved', 'ChangeRejected']) {
        expect(metricsOfEntry({ type, time: at, details: { decision: 'approve' } })).toEqual([{ name: 'ApprovalsRecorded', unit: 'Count', value: 1 }]);
      }
    });

    it('counts no vote when the policy pre-approved the change', () => {
      expect(metricsOfEntry({ type: 'ChangeApproved', time: at, details: { preApproved: true } })).toEqual([]);
    });

    it('measures the time from proposal to full traffic of a deployed change, in ms', () => {
      expect(metricsOfEntry({ type: 'ChangeDeployed', time: at, details: {} }, '2026-11-22T09:00:00.000Z')).toEqual([
        { name: 'ProposalToFullTrafficMs', unit: 'Milliseconds', value: 3_600_000 },
      ]);
      expect(metricsOfEntry({ type: 'ChangeDeployed', time: at, details: {} })).toEqual([]);
    });

    it('counts a rollback by its cause and measures an alarm rollback from the alarm, in ms', () => {
      const entry = {
        type: 'ChangeRolledBack',
        time: at,
        details: { trigger: 'alarm', alarmAt: '2026-11-22T09:59:58.500Z', restoredAt: '2026-11-22T10:00:00.000Z' },
      };

      expect(metricsOfEntry(entry)).toEqual([
        { name: 'Rollbacks', unit: 'Count', value: 1, dimensions: { cause: 'alarm' } },
        { name: 'AlarmToRollbackMs', unit: 'Milliseconds', value: 1500 },
      ]);
      expect(metricsOfEntry({ type: 'ChangeRolledBack', time: at, details: { trigger: 'operator' } })).toEqual([
        { name: 'Rollbacks', unit: 'Count', value: 1, dimensions: { cause: 'operator' } },
      ]);
    });

    it('stands for no metric of any other entry', () => {
      expect(metricsOfEntry({ type: 'TrafficShifted', time: at, details: {} })).toEqual([]);
    });
  });

  describe('approvalBacklogAge()', () => {
    it('is the age in s of the oldest change awaiting approval, from its request', () => {
      const waiting = [{ createdAt: '2026-11-22T08:00:00.000Z', approvalRequestedAt: '2026-11-22T09:00:00.000Z' }, { createdAt: '2026-11-22T09:30:00.000Z' }];

      expect(approvalBacklogAge(waiting, new Date(at))).toEqual({ name: 'ApprovalBacklogAgeSeconds', unit: 'Seconds', value: 3600 });
    });

    it('is 0 when no change waits', () => {
      expect(approvalBacklogAge([], new Date(at)).value).toBe(0);
    });
  });
});
