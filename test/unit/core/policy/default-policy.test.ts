import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChangeType, RiskLevel } from '../../../../lambdas/core/change-request';
import { DEFAULT_POLICY } from '../../../../lambdas/core/policy/default-policy';
import { planChange, type TargetRollout } from '../../../../lambdas/core/policy/plan';
import type { User } from '../../../../lambdas/core/user';

/** The example's people (examples/users.json): two approvers, two CAB members, one executive. */
const USERS: User[] = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'examples', 'users.json'), 'utf8')).users;
const ROLLOUT: TargetRollout = {
  strategy: 'alias-weights',
  canary: { steps: [10, 50, 100], bakeSeconds: 60 },
  codeDeploy: { deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' },
};
/** Friday 27 Nov 2026, 12:00 in Berlin. */
const FRIDAY_NOON = new Date('2026-11-27T11:00:00Z');

const plan = (changeType: ChangeType, riskLevel: RiskLevel, environment = 'production') =>
  planChange(DEFAULT_POLICY, { changeType, riskLevel, environment, requester: 'alice' }, ROLLOUT, USERS, FRIDAY_NOON);
const approvalsNeeded = (p: ReturnType<typeof plan>) => p.approvals.groups.reduce((n, g) => n + g.required, 0);

describe('the default policy (the seeds’ rules)', () => {
  it.each([
    ['standard', 'low'],
    ['standard', 'medium'],
    ['minor', 'low'],
    ['maintenance', 'medium'],
    ['standard', 'high'],
    ['standard', 'critical'],
  ] as const)('needs at least two approvers for a %s change of %s risk in production', (changeType, riskLevel) => {
    expect(approvalsNeeded(plan(changeType, riskLevel))).toBeGreaterThanOrEqual(2);
  });

  it('asks two peers for medium and low risk, at any time', () => {
    const p = plan('standard', 'low');

    expect(p.approvals.groups).toMatchObject([{ name: 'Peer review', roles: ['approver'], required: 2, eligible: ['bob', 'carol'] }]);
    expect(p.window).toMatchObject({ windows: [], earliestStart: FRIDAY_NOON.toISOString() });
  });

  it('asks a majority of the CAB for high risk, in the Saturday 02:00–04:00 window', () => {
    const p = plan('standard', 'high');

    expect(p.approvals.groups).toMatchObject([{ name: 'Change Advisory Board', quorum: 'majority', eligible: ['bob', 'frank'], required: 2 }]);
    expect(p.window).toMatchObject({ timeZone: 'Europe/Berlin', windows: [{ days: ['sat'], start: '02:00', end: '04:00' }] });
    expect(p.window.earliestStart).toBe('2026-11-28T01:00:00.000Z');
  });

  it('asks the whole CAB and an executive for critical risk, with every suite, in the Saturday window', () => {
    const p = plan('standard', 'critical');

    expect(p.approvals.groups).toMatchObject([
      { name: 'Change Advisory Board', quorum: 'unanimous', eligible: ['bob', 'frank'], required: 2 },
      { name: 'Executive sign-off', eligible: ['grace'], required: 1 },
    ]);
    expect(p.tests).toEqual(['lint', 'unit', 'integration', 'regression', 'performance', 'security']);
    expect(p.window.earliestStart).toBe('2026-11-28T01:00:00.000Z');
  });

  it('lets an emergency bypass the windows, with the emergency CAB and a post-implementation review', () => {
    const p = plan('emergency', 'critical');

    expect(p.policy.ruleId).toBe('emergency');
    expect(p.window).toMatchObject({ bypass: true, earliestStart: FRIDAY_NOON.toISOString() });
    expect(p.postImplementationReview).toBe(true);
    expect(p.approvals.groups).toMatchObject([{ name: 'Emergency CAB', required: 1 }]);
  });

  it('pre-approves changes to staging and development', () => {
    expect(plan('standard', 'high', 'staging').approvals.groups).toEqual([]);
    expect(plan('standard', 'low', 'development').approvals.groups).toEqual([]);
  });
});
