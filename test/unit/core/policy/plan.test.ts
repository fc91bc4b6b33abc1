import { ChangePolicy, matchRule, policyHash } from '../../../../lambdas/core/policy/change-policy';
import { DEFAULT_POLICY } from '../../../../lambdas/core/policy/default-policy';
import { type PlanInput, planChange } from '../../../../lambdas/core/policy/plan';
import type { Role, User } from '../../../../lambdas/core/ports';

const user = (id: string, ...roles: Role[]): User => ({ id, name: id, email: `${id}@example.org`, roles });
const USERS = [user('alice', 'requester'), user('bob', 'approver', 'cab'), user('frank', 'cab'), user('grace', 'executive')];
const TARGET_CANARY = { steps: [10, 50, 100], bakeSeconds: 60 };
const FRIDAY = new Date('2026-11-27T12:00:00Z');
const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  changeType: 'standard',
  riskLevel: 'medium',
  environment: 'production',
  requester: 'alice',
  ...over,
});

describe('plan', () => {
  describe('planChange()', () => {
    it('needs the CAB and an executive, all six suites and the Saturday window for a critical change', () => {
      const plan = planChange(DEFAULT_POLICY, input({ riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY);

      expect(plan.policy).toMatchObject({ ruleId: 'critical-risk', sha256: policyHash(DEFAULT_POLICY) });
      expect(plan.approvals.groups.map((g) => [g.name, g.required, g.eligible])).toEqual([
        ['Change Advisory Board', 1, ['bob', 'frank']],
        ['Executive sign-off', 1, ['grace']],
      ]);
      expect(plan.tests).toEqual(['lint', 'unit', 'integration', 'regression', 'performance', 'security']);
      expect(plan.window.earliestStart).toBe('2026-11-28T01:00:00.000Z');
      expect(plan.canary).toEqual({ steps: [5, 25, 50, 100], bakeSeconds: 300 });
      expect(plan.approvals.unmet).toBeUndefined();
    });

    it('lets the change request’s canary win over the rule’s, and falls back to the target’s', () => {
      expect(planChange(DEFAULT_POLICY, input({ riskLevel: 'critical', canary: { steps: [50, 100] } }), TARGET_CANARY, USERS, FRIDAY).canary).toEqual({
        steps: [50, 100],
        bakeSeconds: 300,
      });
      expect(planChange(DEFAULT_POLICY, input(), TARGET_CANARY, USERS, FRIDAY).canary).toEqual(TARGET_CANARY);
    });

    it('lets an emergency change start at once, test after the deployment and be reviewed afterwards', () => {
      const plan = planChange(DEFAULT_POLICY, input({ changeType: 'emergency', riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY);
      expect(plan).toMatchObject({ window: { bypass: true, earliestStart: FRIDAY.toISOString() }, testsAfterDeploy: true, postImplementationReview: true });
      expect(plan.policy.ruleId).toBe('emergency');
    });

    it('pre-approves a change to a non-production environment', () => {
      expect(planChange(DEFAULT_POLICY, input({ environment: 'staging', riskLevel: 'critical' }), TARGET_CANARY, USERS, FRIDAY).approvals.groups).toEqual([]);
    });

    it('reports the approvals as unmet when too few people hold the roles', () => {
      const plan = planChange(
        DEFAULT_POLICY,
        input({ riskLevel: 'critical' }),
        TARGET_CANARY,
        [user('alice', 'requester', 'executive'), user('bob', 'cab')],
        FRIDAY,
      );
      expect(plan.approvals.unmet).toMatch(/Executive sign-off needs 1 approver\(s\) but only 0 eligible/);
    });
  });

  describe('matchRule()', () => {
    it('takes the first rule that matches, with the last-resort rule catching the rest', () => {
      expect(matchRule(DEFAULT_POLICY, { changeType: 'emergency', riskLevel: 'low', environment: 'production' }).id).toBe('emergency');
      expect(matchRule(DEFAULT_POLICY, { changeType: 'maintenance', riskLevel: 'low', environment: 'production' }).id).toBe('low-risk');
    });
  });

  describe('ChangePolicy', () => {
    const valid = JSON.parse(JSON.stringify(DEFAULT_POLICY));
    it.each([
      ['a time zone that does not exist', { ...valid, timeZone: 'Mars/Olympus' }, 'timeZone'],
      [
        'a window that ends before it starts',
        { ...valid, rules: [{ ...valid.rules[0], windows: [{ days: ['sat'], start: '04:00', end: '02:00' }] }, ...valid.rules.slice(1)] },
        'rules.0.windows.0',
      ],
      [
        'a quorum of zero',
        { ...valid, rules: [{ ...valid.rules[0], approvals: [{ name: 'x', roles: ['cab'], quorum: { count: 0 } }] }, ...valid.rules.slice(1)] },
        'rules.0.approvals.0.quorum.count',
      ],
      [
        'an unknown role',
        { ...valid, rules: [{ ...valid.rules[0], approvals: [{ name: 'x', roles: ['boss'], quorum: 'majority' }] }, ...valid.rules.slice(1)] },
        'rules.0.approvals.0.roles.0',
      ],
      ['duplicate rule ids', { ...valid, rules: [...valid.rules, valid.rules[0]] }, 'rules'],
      ['no last-resort rule', { ...valid, rules: valid.rules.slice(0, -1) }, 'rules'],
    ])('rejects %s, naming the field', (_what, policy, path) => {
      const result = ChangePolicy.safeParse(policy);
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
    });

    it('hashes equal policies equally whatever their key order, and differently when a rule changes', () => {
      const reordered = ChangePolicy.parse(JSON.parse(JSON.stringify({ rules: valid.rules, blackouts: [], timeZone: valid.timeZone, name: valid.name })));
      const changed = ChangePolicy.parse({ ...valid, rules: [{ ...valid.rules[0], approvalTimeoutHours: 25 }, ...valid.rules.slice(1)] });
      expect(policyHash(reordered)).toBe(policyHash(DEFAULT_POLICY));
      expect(policyHash(changed)).not.toBe(policyHash(DEFAULT_POLICY));
      expect(policyHash(DEFAULT_POLICY)).toMatch(/^[0-9a-f]{64}$/);
    });
  });
});
