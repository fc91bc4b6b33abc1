import { ChangePolicy, policyHash } from '../../../../lambdas/core/policy/change-policy';
import { categoryOf, type PlanInput, planChange, type TargetRollout } from '../../../../lambdas/core/policy/plan';
import { SINGLE_APPROVER_POLICY } from '../../../../lambdas/core/policy/single-approver-policy';
import { DEFAULT_HEALTH } from '../../../../lambdas/core/ramp';
import type { Role, User } from '../../../../lambdas/core/user';

const user = (id: string, ...roles: Role[]): User => ({ id, name: id, email: `${id}@example.org`, roles });

// alice requests and also sits on the CAB: she must never be eligible for her own change.
const USERS = [
  user('alice', 'requester', 'cab'),
  user('bob', 'approver', 'cab'),
  user('frank', 'cab'),
  user('grace', 'executive'),
  user('dana', 'release_admin'),
];
const TARGET_CANARY: TargetRollout = {
  strategy: 'alias-weights',
  canary: { steps: [10, 50, 100], bakeSeconds: 60 },
  codeDeploy: { deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' },
};
/** Friday 27 Nov 2026, 12:00 in Berlin (CET). */
const FRIDAY_NOON = new Date('2026-11-27T11:00:00Z');

const input = (fields: Partial<PlanInput> = {}): PlanInput => ({
  changeType: 'standard',
  riskLevel: 'medium',
  environment: 'production',
  requester: 'alice',
  ...fields,
});

/** The default policy's plan for a critical-risk production change by alice on Friday noon. */
const criticalPlan = () => planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY_NOON);

describe('plan', () => {
  describe('planChange()', () => {
    it('names the policy and the rule that decided when the change is critical risk', () => {
      const plan = criticalPlan();

      expect(plan.policy).toEqual({
        name: SINGLE_APPROVER_POLICY.name,
        sha256: policyHash(SINGLE_APPROVER_POLICY),
        ruleId: 'critical-risk',
        rule: 'Critical risk: the CAB and an executive, the full test matrix, the Saturday window.',
      });
    });

    it('needs one CAB member and one executive, the requester excluded, when the change is critical risk', () => {
      const plan = criticalPlan();

      expect(plan.approvals.groups.map((g) => ({ name: g.name, eligible: g.eligible, required: g.required }))).toEqual([
        { name: 'Change Advisory Board', eligible: ['bob', 'frank'], required: 1 },
        { name: 'Executive sign-off', eligible: ['grace'], required: 1 },
      ]);
      expect(plan.approvals.timeoutHours).toBe(72);
      expect(plan.approvals).not.toHaveProperty('unmet');
    });

    it('runs all six test suites before approval when the change is critical risk', () => {
      const plan = criticalPlan();

      expect(plan.tests).toEqual(['lint', 'unit', 'integration', 'regression', 'performance', 'security']);
      expect(plan.testsAfterDeploy).toBe(false);
    });

    it('waits for the Saturday window (02:00 Berlin = 01:00Z on 28 Nov) when a critical change is planned on Friday noon', () => {
      const plan = criticalPlan();

      expect(plan.window).toEqual({
        timeZone: 'Europe/Berlin',
        windows: [{ days: ['sat'], start: '02:00', end: '04:00' }],
        bypass: false,
        earliestStart: '2026-11-28T01:00:00.000Z',
      });
    });

    it('takes the canary from the rule when the change is critical risk', () => {
      const plan = criticalPlan();

      expect(plan.canary).toEqual({ steps: [5, 25, 50, 100], bakeSeconds: 300, finalBakeSeconds: 300 });
      expect(plan.postImplementationReview).toBe(false);
    });

    it('lets the change request’s canary win over the rule’s when it sets one', () => {
      // Arrange
      const request = input({ riskLevel: 'critical', canary: { steps: [50, 100], bakeSeconds: 30 } });

      // Act
      const plan = planChange(SINGLE_APPROVER_POLICY, request, TARGET_CANARY, USERS, FRIDAY_NOON);

      // Assert
      expect(plan.canary).toEqual({ steps: [50, 100], bakeSeconds: 30, finalBakeSeconds: 30 });
    });

    it('keeps the rule’s bake time when the change request sets only the steps', () => {
      const plan = planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'critical', canary: { steps: [50, 100] } }), TARGET_CANARY, USERS, FRIDAY_NOON);

      expect(plan.canary).toEqual({ steps: [50, 100], bakeSeconds: 300, finalBakeSeconds: 300 });
    });

    it('expands a change request’s ramp into its weights, judged by the target’s health limits over the seed’s defaults', () => {
      const target = { ...TARGET_CANARY, canary: { ...TARGET_CANARY.canary, health: { ...DEFAULT_HEALTH, maxP99Ms: 250 } } };

      const plan = planChange(
        SINGLE_APPROVER_POLICY,
        input({ riskLevel: 'critical', canary: { ramp: { start: 5, increment: 20, max: 100 } } }),
        target,
        USERS,
        FRIDAY_NOON,
      );

      expect(plan.canary).toEqual({
        steps: [5, 25, 45, 65, 85, 100],
        bakeSeconds: 300,
        finalBakeSeconds: 300,
        ramp: { start: 5, increment: 20, max: 100 },
        health: { ...DEFAULT_HEALTH, maxP99Ms: 250 },
      });
    });

    it('takes a ramp from the target (seed defaults when it sets no limits), and fixed steps from the request over it', () => {
      const target = { ...TARGET_CANARY, canary: { ramp: { start: 10, increment: 30, max: 100 }, bakeSeconds: 60 } };

      const ramped = planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'medium' }), target, USERS, FRIDAY_NOON);
      const fixed = planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'medium', canary: { steps: [50, 100] } }), target, USERS, FRIDAY_NOON);

      expect(ramped.canary).toMatchObject({ steps: [10, 40, 70, 100], ramp: target.canary.ramp, health: DEFAULT_HEALTH });
      expect(fixed.canary).toEqual({ steps: [50, 100], bakeSeconds: 60, finalBakeSeconds: 60 });
    });

    it('falls back to the target’s canary when the rule has none (medium risk)', () => {
      // Act
      const plan = planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'medium' }), TARGET_CANARY, USERS, FRIDAY_NOON);

      // Assert
      expect(plan.policy.ruleId).toBe('medium-risk');
      expect(plan.canary).toEqual({ ...TARGET_CANARY.canary, finalBakeSeconds: 60 });
      expect(plan.strategy).toBe('alias-weights');
      expect(plan.window.earliestStart).toBe(FRIDAY_NOON.toISOString());
    });

    it('starts an emergency change at once, tests after the deployment and asks for a review', () => {
      // Act: critical risk, but the emergency rule comes first.
      const plan = planChange(SINGLE_APPROVER_POLICY, input({ changeType: 'emergency', riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY_NOON);

      // Assert
      expect(plan.policy.ruleId).toBe('emergency');
      expect(plan.window.bypass).toBe(true);
      expect(plan.window.earliestStart).toBe(FRIDAY_NOON.toISOString());
      expect(plan.testsAfterDeploy).toBe(true);
      expect(plan.postImplementationReview).toBe(true);
      expect(plan.approvals.groups.map((g) => [g.name, g.eligible])).toEqual([['Emergency CAB', ['bob', 'frank', 'grace']]]);
    });

    it('pre-approves a change with no approver groups when the environment is not production', () => {
      const plan = planChange(SINGLE_APPROVER_POLICY, input({ environment: 'staging', riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY_NOON);

      expect(plan.policy.ruleId).toBe('non-production');
      expect(plan.approvals.groups).toEqual([]);
      expect(plan.approvals).not.toHaveProperty('unmet');
    });

    it('reports the approvals as unmet when only the requester holds the CAB role (high risk, majority)', () => {
      // Arrange
      const users = [user('alice', 'requester', 'cab'), user('bob', 'approver')];

      // Act
      const plan = planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'high' }), TARGET_CANARY, users, FRIDAY_NOON);

      // Assert
      expect(plan.approvals.groups).toEqual([expect.objectContaining({ name: 'Change Advisory Board', eligible: [], required: 1 })]);
      expect(plan.approvals.unmet).toBe('Change Advisory Board needs 1 approver(s) but only 0 eligible user(s) hold cab');
    });

    it('reports the approvals as unmet when the one executive is also the only CAB member', () => {
      const users = [user('alice', 'requester'), user('carol', 'cab', 'executive')];

      const plan = planChange(SINGLE_APPROVER_POLICY, input({ riskLevel: 'critical' }), TARGET_CANARY, users, FRIDAY_NOON);

      expect(plan.approvals.unmet).toBe('the groups need 2 different people but only 1 are eligible');
    });

    it('records the hash of the policy it applied when the policy is not the default', () => {
      // Arrange
      const policy = ChangePolicy.parse({ ...JSON.parse(JSON.stringify(SINGLE_APPROVER_POLICY)), name: 'stricter' });

      // Act
      const plan = planChange(policy, input(), TARGET_CANARY, USERS, FRIDAY_NOON);

      // Assert
      expect(plan.policy.sha256).toBe(policyHash(policy));
      expect(plan.policy.sha256).not.toBe(policyHash(SINGLE_APPROVER_POLICY));
    });

    it('applies the policy’s blackouts to the earliest start when the rule has no window', () => {
      // Arrange: a freeze from Thursday to Monday.
      const policy = ChangePolicy.parse({
        ...JSON.parse(JSON.stringify(SINGLE_APPROVER_POLICY)),
        blackouts: [{ from: '2026-11-26T00:00:00+01:00', to: '2026-11-30T00:00:00+01:00', reason: 'freeze' }],
      });

      // Act
      const plan = planChange(policy, input({ riskLevel: 'medium' }), TARGET_CANARY, USERS, FRIDAY_NOON);

      // Assert
      expect(plan.window.earliestStart).toBe('2026-11-29T23:00:00.000Z');
    });
  });

  describe('categoryOf()', () => {
    it('keeps the category the request names', () => {
      expect(categoryOf({ category: 'schema', codeChanges: false })).toEqual({ name: 'schema' });
    });

    it('derives config for a change without code, and code otherwise, saying it derived them', () => {
      expect(categoryOf({ codeChanges: false })).toEqual({ name: 'config', derived: expect.stringMatching(/config only/) });
      expect(categoryOf({ codeChanges: true })).toEqual({ name: 'code', derived: expect.stringMatching(/changes code/) });
      expect(categoryOf({})).toMatchObject({ name: 'code' });
    });
  });

  describe('requiredFields', () => {
    it("plans the matching rule's required template fields, none when the rule names none", () => {
      const policy = ChangePolicy.parse({
        ...SINGLE_APPROVER_POLICY,
        rules: [{ ...SINGLE_APPROVER_POLICY.rules[2], requiredFields: ['justification', 'rollbackPlan'] }, ...SINGLE_APPROVER_POLICY.rules.slice(3)],
      });

      expect(planChange(policy, input({ riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY_NOON).requiredFields).toEqual(['justification', 'rollbackPlan']);
      expect(planChange(policy, input({ riskLevel: 'low' }), TARGET_CANARY, USERS, FRIDAY_NOON).requiredFields).toEqual([]);
    });
  });
});
