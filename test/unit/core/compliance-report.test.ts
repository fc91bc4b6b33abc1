import { changeFacts, rollbackOf } from '../../../lambdas/core/compliance-facts';
import { type ComplianceInput, complianceReport, nearestRank, percent } from '../../../lambdas/core/compliance-report';
import type { LedgerEntry } from '../../../lambdas/core/ledger';

/**
 * Hand-made ledgers: each change is the list of its entries as CMV records them (types, actors and
 * details as the use cases write them), with times chosen so that every figure can be counted by hand.
 */

let seq = 0;
/** One ledger entry of `changeId` at `time` (ISO-8601); `hash` is `h<seq>`. */
const entry = (changeId: string, type: string, time: string, details: Record<string, unknown> = {}, actor = 'cmv-workflow'): LedgerEntry => {
  seq += 1;
  return { chain: 'svc', seq, order: `${time}/svc/${seq}`, hash: `h${seq}`, prevHash: `h${seq - 1}`, type, changeId, target: 'svc', actor, details, time };
};

const PEER = [{ name: 'Peer review', required: 1, eligible: ['bob', 'carol'] }];
const proposed = (id: string, time: string, extra: Record<string, unknown> = {}) =>
  entry(id, 'ChangeProposed', time, { changeType: 'standard', riskLevel: 'medium', approvals: PEER, tests: ['lint', 'unit'], ...extra }, 'alice');
const vote = (id: string, time: string, approver: string, type = 'ChangeApproved', decision = 'approve') =>
  entry(id, type, time, { decision, comment: 'ok' }, approver);
const passed = (id: string, time: string, suites: string[], type = 'TestsPassed') =>
  entry(id, type, time, { suites: suites.map((suite) => ({ suite, passed: true })) });
const shifted = (id: string, time: string, weight: number) => entry(id, 'TrafficShifted', time, { weight });

/** proposed at 10:00:00, tests, bob approves, deploys 10 → 100 %, deployed: lead time `leadSeconds`. */
function deployedChange(id: string, leadSeconds: number, extra: Record<string, unknown> = {}): LedgerEntry[] {
  const at = (s: number) => new Date(Date.parse('2026-03-02T10:00:00.000Z') + s * 1000).toISOString();
  return [
    proposed(id, at(0), extra),
    passed(id, at(1), ['lint', 'unit']),
    vote(id, at(2), 'bob'),
    entry(id, 'DeploymentStarted', at(3)),
    shifted(id, at(4), 10),
    shifted(id, at(leadSeconds), 100),
    entry(id, 'ChangeDeployed', at(leadSeconds + 5)),
  ];
}

/** Deploying from 11:00:00, then rolled back with `details` at 11:00:30 (plus `before`, entries before it). */
function rolledBackChange(
  id: string,
  details: Record<string, unknown>,
  before: (id: string) => LedgerEntry[] = () => [],
  actor = 'cmv-workflow',
): LedgerEntry[] {
  return [
    proposed(id, '2026-03-02T11:00:00.000Z'),
    passed(id, '2026-03-02T11:00:01.000Z', ['lint', 'unit']),
    vote(id, '2026-03-02T11:00:02.000Z', 'bob'),
    entry(id, 'DeploymentStarted', '2026-03-02T11:00:03.000Z'),
    shifted(id, '2026-03-02T11:00:04.000Z', 10),
    ...before(id),
    entry(id, 'ChangeRolledBack', '2026-03-02T11:00:30.000Z', { reason: 'r', restoredAt: '2026-03-02T11:00:29.500Z', ...details }, actor),
  ];
}

const input = (changes: Record<string, LedgerEntry[]>, reviewRequired: string[] = []): ComplianceInput => ({
  scope: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', targets: ['svc'] },
  asOf: '2026-04-02T00:00:00.000Z',
  changes: Object.entries(changes).map(([changeId, entries]) => ({ changeId, entries, reviewRequired: reviewRequired.includes(changeId) })),
});

const seqs = (entries: readonly { seq: number }[]) => entries.map((e) => e.seq);

describe('compliance-report', () => {
  beforeEach(() => {
    seq = 0;
  });

  describe('complianceReport()', () => {
    it('counts the changes proposed in [from, to) by type, risk and outcome, each with its ChangeProposed entry', () => {
      // Arrange
      const a = deployedChange('a', 60);
      const b = [proposed('b', '2026-03-05T09:00:00.000Z', { changeType: 'emergency', riskLevel: 'high' })];
      const c = [proposed('c', '2026-03-06T09:00:00.000Z', { changeType: 'minor', riskLevel: 'low' }), entry('c', 'TestsFailed', '2026-03-06T09:01:00.000Z')];
      const before = [proposed('early', '2026-02-28T23:59:59.999Z')];
      const atTo = [proposed('late', '2026-04-01T00:00:00.000Z')];

      // Act
      const report = complianceReport(input({ a, b, c, early: before, late: atTo }));

      // Assert
      expect(report.changes.total).toBe(3);
      expect(report.changes.byType.map((t) => [t.key, t.count])).toEqual([
        ['emergency', 1],
        ['standard', 1],
        ['minor', 1],
        ['maintenance', 0],
        ['unknown', 0],
      ]);
      expect(report.changes.byRisk.find((r) => r.key === 'medium')).toEqual({
        key: 'medium',
        count: 1,
        entries: [{ chain: 'svc', seq: a[0].seq, hash: a[0].hash, type: 'ChangeProposed', changeId: 'a', time: a[0].time }],
      });
      expect(Object.fromEntries(report.changes.byOutcome.filter((o) => o.count).map((o) => [o.key, o.count]))).toEqual({
        deployed: 1,
        tests_failed: 1,
        in_progress: 1,
      });
      expect(seqs(report.changes.byOutcome.find((o) => o.key === 'tests_failed')?.entries ?? [])).toEqual([c[0].seq, c[1].seq]);
    });

    it('finds approval compliance from the quorum the ChangeProposed entry names and the votes recorded', () => {
      // Arrange: a has bob's vote; b needs two of the CAB and has one; c was pre-approved (no groups); d is rolled back (not deployed)
      const a = deployedChange('a', 60);
      const b = deployedChange('b', 60, { approvals: [{ name: 'Change Advisory Board', required: 2, eligible: ['bob', 'frank', 'carol'] }] });
      const c = deployedChange('c', 60, { approvals: [] }).filter((e) => e.type !== 'ChangeApproved');
      c.push(entry('c', 'ChangeApproved', '2026-03-02T10:00:02.500Z', { preApproved: true, rule: 'non-production' }));
      const d = rolledBackChange('d', { trigger: 'operator' }, undefined, 'dana');

      // Act
      const report = complianceReport(input({ a, b, c, d }));

      // Assert
      expect(report.approvalCompliance).toMatchObject({ count: 2, of: 3, percent: 66.67 });
      expect(report.approvalCompliance.exceptions).toEqual([{ changeId: 'b', reason: 'quorum not reached: Change Advisory Board 1 of 2' }]);
      const cited = seqs(report.approvalCompliance.entries);
      for (const e of [...a, ...b].filter((x) => ['ChangeProposed', 'ChangeApproved', 'ChangeDeployed'].includes(x.type))) expect(cited).toContain(e.seq);
      expect(cited).not.toContain(a.find((e) => e.type === 'TestsPassed')?.seq);
      expect(cited.some((s) => d.some((e) => e.seq === s))).toBe(false);
    });

    it('does not count a vote of someone outside the groups, nor the same approver twice', () => {
      // Arrange: two approvals needed; bob votes twice (ApprovalRecorded, then again), mallory is not eligible
      const a = deployedChange('a', 60, { approvals: [{ name: 'CAB', required: 2, eligible: ['bob', 'frank'] }] });
      a.splice(3, 0, vote('a', '2026-03-02T10:00:02.100Z', 'bob', 'ApprovalRecorded'), vote('a', '2026-03-02T10:00:02.200Z', 'mallory', 'ApprovalRecorded'));

      // Act
      const report = complianceReport(input({ a }));

      // Assert
      expect(report.approvalCompliance).toMatchObject({ count: 0, of: 1, exceptions: [{ changeId: 'a', reason: 'quorum not reached: CAB 1 of 2' }] });
    });

    it('finds testing compliance from the suites the ChangeProposed entry requires and the passes recorded, deferred ones included', () => {
      // Arrange: a passed both; b lacks integration; c (emergency) passed its suites after the deployment
      const a = deployedChange('a', 60);
      const b = deployedChange('b', 60, { tests: ['lint', 'unit', 'integration'] });
      const c = deployedChange('c', 60, { changeType: 'emergency', tests: ['unit', 'security'] }).filter((e) => e.type !== 'TestsPassed');
      c.splice(c.length - 1, 0, passed('c', '2026-03-02T10:01:04.000Z', ['unit', 'security'], 'DeferredTestsPassed'));

      // Act
      const report = complianceReport(input({ a, b, c }));

      // Assert
      expect(report.testingCompliance).toMatchObject({ count: 2, of: 3, percent: 66.67 });
      expect(report.testingCompliance.exceptions).toEqual([{ changeId: 'b', reason: 'required suites without a recorded pass: integration' }]);
      expect(seqs(report.testingCompliance.entries)).toContain(c.find((e) => e.type === 'DeferredTestsPassed')?.seq);
    });

    it('computes the success and rollback rates over the deployments that ended, rollbacks by cause', () => {
      // Arrange: 2 deployed, 3 rolled back, 1 failed while deploying, 1 still deploying, 1 rejected (never deployed)
      const changes = {
        a: deployedChange('a', 60),
        b: deployedChange('b', 90),
        c: rolledBackChange('c', { trigger: 'alarm', alarm: 'cmv-svc-error-rate', alarmAt: '2026-03-02T11:00:20.000Z' }, undefined, 'alarm:cmv-svc-error-rate'),
        d: rolledBackChange('d', { trigger: 'operator' }, undefined, 'dana'),
        e: rolledBackChange('e', { trigger: 'workflow' }, (id) => [entry(id, 'SmokeTestsFailed', '2026-03-02T11:00:10.000Z', { phase: 'after-traffic' })]),
        f: [...rolledBackChange('f', {}).slice(0, 5), entry('f', 'ChangeFailed', '2026-03-02T11:00:30.000Z', { reason: 'publish failed' })],
        g: rolledBackChange('g', {}).slice(0, 5),
        h: [proposed('h', '2026-03-02T12:00:00.000Z'), entry('h', 'ChangeRejected', '2026-03-02T12:01:00.000Z', { decision: 'reject' }, 'bob')],
      };

      // Act
      const report = complianceReport(input(changes));

      // Assert
      expect(report.changeSuccessRate).toMatchObject({ count: 2, of: 6, percent: 33.33 });
      expect(report.rollbackRate).toMatchObject({ count: 3, of: 6, percent: 50 });
      expect(Object.fromEntries(report.rollbackRate.byCause.map((c) => [c.key, c.count]))).toEqual({
        alarm: 1,
        smoke_test: 1,
        codedeploy_hook: 0,
        deferred_tests: 0,
        operator_abort: 1,
        codedeploy: 0,
        deployment_error: 0,
      });
      const smoke = report.rollbackRate.byCause.find((c) => c.key === 'smoke_test');
      expect(smoke?.entries.map((e) => e.type)).toEqual(['SmokeTestsFailed', 'ChangeRolledBack']);
      // Each deployment's start and end are the evidence of both rates.
      const types = report.rollbackRate.entries.map((e) => e.type);
      expect(['DeploymentStarted', 'ChangeDeployed', 'ChangeRolledBack', 'ChangeFailed'].map((t) => types.filter((x) => x === t).length)).toEqual([6, 2, 3, 1]);
      expect(report.changeSuccessRate.entries).toEqual(report.rollbackRate.entries);
    });

    it('gives null rates and no durations when nothing was deployed', () => {
      // Act
      const report = complianceReport(input({ h: [proposed('h', '2026-03-02T12:00:00.000Z')] }));

      // Assert
      expect(report.approvalCompliance).toEqual({ count: 0, of: 0, percent: null, entries: [], exceptions: [] });
      expect(report.changeSuccessRate.percent).toBeNull();
      expect(report.leadTime).toEqual({ count: 0, meanSeconds: null, p90Seconds: null, samples: [], entries: [] });
      expect(report.emergencyChangeRate).toMatchObject({ count: 0, of: 1, percent: 0 });
    });

    it('counts emergency changes and the ended ones whose required review is missing', () => {
      // Arrange: e1 deployed without review; e2 rolled back, reviewed; e3 still deploying (a review cannot be recorded yet); s standard
      const e1 = deployedChange('e1', 60, { changeType: 'emergency' });
      const e2 = rolledBackChange('e2', { trigger: 'operator' }, undefined, 'dana');
      e2[0] = proposed('e2', e2[0].time, { changeType: 'emergency' });
      e2.push(entry('e2', 'PostImplementationReviewRecorded', '2026-03-03T09:00:00.000Z', { outcome: 'successful' }, 'dana'));
      const e3 = deployedChange('e3', 60, { changeType: 'emergency' }).slice(0, 5);
      const s = deployedChange('s', 60);

      // Act
      const report = complianceReport(input({ e1, e2, e3, s }, ['e1', 'e2', 'e3']));

      // Assert
      expect(report.emergencyChangeRate).toMatchObject({ count: 3, of: 4, percent: 75 });
      expect(seqs(report.emergencyChangeRate.entries)).toEqual(seqs([e1[0], e3[0], s[0], e2[0]]));
      expect(report.emergencyMissingReview).toMatchObject({ count: 1, of: 2, percent: 50, changeIds: ['e1'] });
      expect(seqs(report.emergencyMissingReview.entries)).toEqual(seqs([e1[0], e1[6], e2[0], e2[5], e2[6]]));
    });

    it('does not count a missing review of an emergency change whose plan requires none', () => {
      // Act
      const report = complianceReport(input({ e1: deployedChange('e1', 60, { changeType: 'emergency' }) }, []));

      // Assert
      expect(report.emergencyMissingReview).toMatchObject({ count: 0, of: 0, percent: null, changeIds: [] });
    });

    it('measures lead time from ChangeProposed to the move to 100 %: mean, and p90 by nearest rank', () => {
      // Arrange: lead times 60, 90, 120, 150 … 330 s (10 changes); a rolled-back change has none
      const changes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`c${i}`, deployedChange(`c${i}`, 60 + 30 * i)]));
      changes.r = rolledBackChange('r', { trigger: 'operator' });

      // Act
      const report = complianceReport(input(changes));

      // Assert
      expect(report.leadTime).toMatchObject({ count: 10, meanSeconds: 195, p90Seconds: 300 });
      expect(report.leadTime.samples[0]).toEqual({ changeId: 'c0', seconds: 60 });
      const cited = report.leadTime.entries.map((e) => e.type);
      expect([cited.filter((t) => t === 'ChangeProposed').length, cited.filter((t) => t === 'TrafficShifted').length, cited.length]).toEqual([10, 10, 20]);
    });

    it('takes the ChangeDeployed entry as the move to 100 % when no TrafficShifted to 100 is recorded', () => {
      // Arrange
      const a = deployedChange('a', 60).filter((e) => !(e.type === 'TrafficShifted' && e.details.weight === 100));

      // Act
      const report = complianceReport(input({ a }));

      // Assert: ChangeDeployed is at 65 s
      expect(report.leadTime.samples).toEqual([{ changeId: 'a', seconds: 65 }]);
    });

    it('measures time to restore from the alarm or the failed check to restoredAt, and lists the rollbacks it cannot measure', () => {
      // Arrange: alarm at 11:00:20 → 9.5 s; smoke test failed at 11:00:10 → 19.5 s; the canary check at 11:00:25 → 4.5 s; an abort: not measured
      const changes = {
        a: rolledBackChange('a', { trigger: 'alarm', alarmAt: '2026-03-02T11:00:20.000Z' }),
        b: rolledBackChange('b', { trigger: 'workflow' }, (id) => [entry(id, 'SmokeTestsFailed', '2026-03-02T11:00:10.000Z')]),
        c: rolledBackChange('c', { trigger: 'workflow' }, (id) => [
          entry(id, 'CanaryStepChecked', '2026-03-02T11:00:25.000Z', { decision: 'rollback', weight: 10 }),
        ]),
        d: rolledBackChange('d', { trigger: 'operator' }, undefined, 'dana'),
      };

      // Act
      const report = complianceReport(input(changes));

      // Assert
      expect(report.timeToRestore.samples).toEqual([
        { changeId: 'a', seconds: 9.5 },
        { changeId: 'b', seconds: 19.5 },
        { changeId: 'c', seconds: 4.5 },
      ]);
      expect(report.timeToRestore).toMatchObject({
        count: 3,
        meanSeconds: 11.167,
        p90Seconds: 19.5,
        notMeasured: [{ changeId: 'd', cause: 'operator_abort' }],
      });
      expect(report.timeToRestore.entries.map((e) => [e.changeId, e.type])).toEqual([
        ['b', 'SmokeTestsFailed'],
        ['c', 'CanaryStepChecked'],
        ['a', 'ChangeRolledBack'],
        ['b', 'ChangeRolledBack'],
        ['c', 'ChangeRolledBack'],
      ]);
    });
  });

  describe('rollbackOf()', () => {
    const cause = (details: Record<string, unknown>, before: (id: string) => LedgerEntry[] = () => []) => {
      const entries = rolledBackChange('x', details, before);
      const facts = changeFacts({ changeId: 'x', entries, reviewRequired: false });
      return facts?.rollback?.cause;
    };

    it('names the cause CMV recorded: the trigger, CodeDeploy error code, and the entries before the rollback', () => {
      expect(cause({ trigger: 'alarm' })).toBe('alarm');
      expect(cause({ trigger: 'operator' })).toBe('operator_abort');
      expect(cause({ trigger: 'codedeploy' }, (id) => [entry(id, 'SmokeTestsFailed', '2026-03-02T11:00:10.000Z')])).toBe('codedeploy_hook');
      expect(cause({ trigger: 'codedeploy', codeDeployError: 'ALARM_ACTIVE' })).toBe('alarm');
      expect(cause({ trigger: 'codedeploy', codeDeployError: 'HOOK_EXECUTION_FAILURE' })).toBe('codedeploy_hook');
      expect(cause({ trigger: 'codedeploy', codeDeployError: 'TIMEOUT' })).toBe('codedeploy');
      expect(cause({ trigger: 'workflow' }, (id) => [entry(id, 'SmokeTestsFailed', '2026-03-02T11:00:10.000Z')])).toBe('smoke_test');
      expect(cause({ trigger: 'workflow' }, (id) => [entry(id, 'CanaryStepChecked', '2026-03-02T11:00:10.000Z', { decision: 'rollback' })])).toBe('alarm');
      expect(cause({ trigger: 'workflow' }, (id) => [entry(id, 'CanaryStepChecked', '2026-03-02T11:00:10.000Z', { decision: 'continue' })])).toBe(
        'deployment_error',
      );
    });

    it('names deferred tests when an emergency change reached 100 % with its deferred tests still pending', () => {
      // Arrange
      const deferred = (id: string, reached: boolean) => [
        entry(id, 'TestsDeferred', '2026-03-02T11:00:00.500Z'),
        ...(reached ? [shifted(id, '2026-03-02T11:00:08.000Z', 100)] : []),
      ];

      // Act / Assert
      expect(cause({ trigger: 'workflow' }, (id) => deferred(id, true))).toBe('deferred_tests');
      expect(cause({ trigger: 'workflow' }, (id) => deferred(id, false))).toBe('deployment_error');
    });

    it('takes restoredAt from the entry, else the entry time', () => {
      // Arrange
      const rollback = entry('x', 'ChangeRolledBack', '2026-03-02T11:00:30.000Z', { trigger: 'operator' });

      // Act / Assert
      expect(rollbackOf(rollback, [rollback]).restoredAt).toBe('2026-03-02T11:00:30.000Z');
    });
  });

  describe('percent() and nearestRank()', () => {
    it('rounds to two decimals and gives null of nothing', () => {
      expect(percent(1, 3)).toBe(33.33);
      expect(percent(0, 0)).toBeNull();
    });
    it('picks a value that occurs: the smallest with p % at or below it', () => {
      expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
      expect(nearestRank([5], 90)).toBe(5);
      expect(nearestRank([1, 2], 90)).toBe(2);
    });
  });
});
