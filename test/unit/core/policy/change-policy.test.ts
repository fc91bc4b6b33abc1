import { BUILT_IN_ROLES, ChangePolicy, matchRule, policyHash } from '../../../../lambdas/core/policy/change-policy';
import { policyRoles, unknownUserRoles } from '../../../../lambdas/core/policy/roles';
import { SINGLE_APPROVER_POLICY } from '../../../../lambdas/core/policy/single-approver-policy';

/** The default policy as a policy file would hold it: plain JSON, no parsed defaults assumed. */
const RAW = JSON.parse(JSON.stringify(SINGLE_APPROVER_POLICY));

/** The default policy with fields of its first rule replaced. */
const withFirstRule = (fields: Record<string, unknown>) => ({ ...RAW, rules: [{ ...RAW.rules[0], ...fields }, ...RAW.rules.slice(1)] });

/** The dotted paths of every issue ChangePolicy reports for `input`. */
function issuePaths(input: unknown): string[] {
  const result = ChangePolicy.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe('change-policy', () => {
  describe('ChangePolicy', () => {
    it('accepts the default policy when it is read back from JSON', () => {
      // Arrange
      const raw = RAW;

      // Act
      const result = ChangePolicy.safeParse(raw);

      // Assert
      expect(result.success).toBe(true);
      expect(result.data).toEqual(SINGLE_APPROVER_POLICY);
    });

    it('fills the defaults of a rule when the file omits them', () => {
      // Arrange: only the required fields of the last-resort rule.
      const minimal = { name: 'minimal', timeZone: 'UTC', rules: [{ id: 'all', match: {}, approvals: [], tests: ['unit'], approvalTimeoutHours: 1 }] };

      // Act
      const policy = ChangePolicy.parse(minimal);

      // Assert
      expect(policy.blackouts).toEqual([]);
      expect(policy.rules[0]).toMatchObject({ description: '', windows: [], bypassWindows: false, testsAfterDeploy: false, postImplementationReview: false });
    });

    it.each([
      ['a time zone that does not exist', { ...RAW, timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['a window whose start is after its end', withFirstRule({ windows: [{ days: ['sat'], start: '04:00', end: '02:00' }] }), 'rules.0.windows.0'],
      ['a window whose start equals its end', withFirstRule({ windows: [{ days: ['sat'], start: '02:00', end: '02:00' }] }), 'rules.0.windows.0'],
      ['a window end that is not HH:MM (25:00)', withFirstRule({ windows: [{ days: ['sat'], start: '02:00', end: '25:00' }] }), 'rules.0.windows.0.end'],
      ['a window on a day that does not exist', withFirstRule({ windows: [{ days: ['someday'], start: '02:00', end: '04:00' }] }), 'rules.0.windows.0.days.0'],
      ['duplicate rule ids', { ...RAW, rules: [RAW.rules[0], ...RAW.rules] }, 'rules'],
      ['no last-resort rule (one with an empty match)', { ...RAW, rules: RAW.rules.slice(0, -1) }, 'rules'],
      ['a quorum of zero', withFirstRule({ approvals: [{ name: 'CAB', roles: ['cab'], quorum: { count: 0 } }] }), 'rules.0.approvals.0.quorum.count'],
      ['an unknown role (boss)', withFirstRule({ approvals: [{ name: 'CAB', roles: ['cab', 'boss'], quorum: 'majority' }] }), 'rules.0.approvals.0.roles.1'],
      ['a test suite that is no suite name', withFirstRule({ tests: ['lint', 'Fuzzing!'] }), 'rules.0.tests.1'],
      ['an approval timeout of zero hours', withFirstRule({ approvalTimeoutHours: 0 }), 'rules.0.approvalTimeoutHours'],
      ['an unknown key in a rule (strict)', withFirstRule({ approver: 'bob' }), 'rules.0'],
    ])('rejects %s, naming the path', (_what, input, path) => {
      // Act
      const paths = issuePaths(input);

      // Assert
      expect(paths).toEqual([path]);
    });

    it('rejects an unknown top-level key, naming the key', () => {
      // Arrange
      const input = { ...RAW, owner: 'platform team' };

      // Act
      const result = ChangePolicy.safeParse(input);

      // Assert
      expect(result.success).toBe(false);
      expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['owner'], path: [] })]);
    });
  });

  describe('matchRule()', () => {
    it('takes the first rule that matches when several do: an emergency before its risk rule', () => {
      // Arrange: critical risk also matches 'critical-risk', which comes later.
      const change = { changeType: 'emergency' as const, riskLevel: 'critical' as const, environment: 'production' };

      // Act
      const rule = matchRule(SINGLE_APPROVER_POLICY, change);

      // Assert
      expect(rule.id).toBe('emergency');
    });

    it('matches on the environment when the change goes to staging', () => {
      const rule = matchRule(SINGLE_APPROVER_POLICY, { changeType: 'emergency', riskLevel: 'critical', environment: 'staging' });

      expect(rule.id).toBe('non-production');
    });

    it('does not match an environment rule when the environment is not listed', () => {
      const rule = matchRule(SINGLE_APPROVER_POLICY, { changeType: 'standard', riskLevel: 'high', environment: 'production-eu' });

      expect(rule.id).toBe('high-risk');
    });

    it('needs every listed field to match when a rule lists several', () => {
      // Arrange: a rule for high-risk emergencies only, before a last resort.
      const policy = ChangePolicy.parse({
        name: 'two fields',
        timeZone: 'UTC',
        rules: [
          { id: 'high-emergency', match: { changeTypes: ['emergency'], riskLevels: ['high'] }, approvals: [], tests: ['unit'], approvalTimeoutHours: 1 },
          { id: 'rest', match: {}, approvals: [], tests: ['unit'], approvalTimeoutHours: 1 },
        ],
      });

      // Act
      const both = matchRule(policy, { changeType: 'emergency', riskLevel: 'high', environment: 'production' });
      const onlyType = matchRule(policy, { changeType: 'emergency', riskLevel: 'low', environment: 'production' });

      // Assert
      expect([both.id, onlyType.id]).toEqual(['high-emergency', 'rest']);
    });

    it('falls through to the last-resort rule when no other rule matches', () => {
      const rule = matchRule(SINGLE_APPROVER_POLICY, { changeType: 'maintenance', riskLevel: 'low', environment: 'production' });

      expect(rule.id).toBe('low-risk');
    });

    it('rejects a change no rule matches when the policy bypassed validation', () => {
      // Arrange: a hand-built policy without a last-resort rule.
      const policy = { ...SINGLE_APPROVER_POLICY, rules: SINGLE_APPROVER_POLICY.rules.filter((r) => r.id !== 'low-risk') };

      // Act / Assert
      expect(() => matchRule(policy, { changeType: 'standard', riskLevel: 'low', environment: 'production' })).toThrow(
        'no policy rule matches standard/low/production',
      );
    });
  });

  describe('policyHash()', () => {
    it('is 64 hex characters (SHA-256) when given the default policy', () => {
      expect(policyHash(SINGLE_APPROVER_POLICY)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('is the same when equal policies were written with their keys in another order', () => {
      // Arrange: every object of the default policy with its keys reversed (not re-parsed: parsing would restore the order).
      const reverseKeys = (value: unknown): unknown =>
        Array.isArray(value)
          ? value.map(reverseKeys)
          : value && typeof value === 'object'
            ? Object.fromEntries(
                Object.entries(value)
                  .reverse()
                  .map(([k, v]) => [k, reverseKeys(v)]),
              )
            : value;
      const reordered = reverseKeys(SINGLE_APPROVER_POLICY) as ChangePolicy;
      expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(SINGLE_APPROVER_POLICY));

      // Act
      const hash = policyHash(reordered);

      // Assert
      expect(hash).toBe(policyHash(SINGLE_APPROVER_POLICY));
    });

    it.each([
      ['the approval timeout', { approvalTimeoutHours: 25 }],
      ['a test suite', { tests: ['lint', 'unit', 'integration'] }],
      ['the match', { match: { environments: ['development'] } }],
      ['a quorum', { approvals: [{ name: 'Peer review', roles: ['approver'], quorum: { count: 1 } }] }],
    ])('changes when %s of a rule changes', (_what, fields) => {
      // Arrange
      const changed = ChangePolicy.parse(withFirstRule(fields));

      // Act
      const hash = policyHash(changed);

      // Assert
      expect(hash).not.toBe(policyHash(SINGLE_APPROVER_POLICY));
    });

    it('changes when the rules are reordered, because order decides which rule wins', () => {
      const swapped = ChangePolicy.parse({ ...RAW, rules: [RAW.rules[1], RAW.rules[0], ...RAW.rules.slice(2)] });

      expect(policyHash(swapped)).not.toBe(policyHash(SINGLE_APPROVER_POLICY));
    });
  });

  describe('categories, suites and required fields', () => {
    const rule = (id: string, match: Record<string, unknown>, tests: string[]) => ({ id, match, approvals: [], tests, approvalTimeoutHours: 1 });
    const policy = ChangePolicy.parse({
      name: 'matrix',
      timeZone: 'UTC',
      rules: [
        rule('docs', { categories: ['documentation'] }, []),
        rule('schema', { categories: ['schema'], changeTypes: ['standard'] }, ['migration', 'compatibility']),
        rule('rest', {}, ['unit']),
      ],
    });
    const change = { changeType: 'standard', riskLevel: 'low', environment: 'production' } as const;

    it('matches a rule by the change category, and a change without a category only by rules naming none', () => {
      expect(matchRule(policy, { ...change, category: 'documentation' }).id).toBe('docs');
      expect(matchRule(policy, { ...change, category: 'schema' }).id).toBe('schema');
      expect(matchRule(policy, { ...change, changeType: 'minor', category: 'schema' }).id).toBe('rest');
      expect(matchRule(policy, change).id).toBe('rest');
    });

    it('accepts a rule with no tests and suites beyond the usual six', () => {
      expect(policy.rules.map((r) => r.tests)).toEqual([[], ['migration', 'compatibility'], ['unit']]);
    });

    it.each([
      ['rules.0.tests.0', { tests: ['Unit Tests'] }],
      ['rules.0.tests', { tests: ['unit', 'unit'] }],
      ['rules.0.match.categories.0', { match: { categories: ['marketing'] } }],
      ['rules.0.requiredFields.0', { requiredFields: ['budget'] }],
    ])('rejects %s when the rule has %j', (path, fields) => {
      expect(issuePaths(withFirstRule(fields))).toEqual([path]);
    });

    it('needs a last-resort rule: one that matches on category only does not count', () => {
      expect(issuePaths({ name: 'x', timeZone: 'UTC', rules: [rule('docs', { categories: ['documentation'] }, [])] })).toEqual(['rules']);
    });
  });

  describe('roles', () => {
    const withRoles = (roles: unknown, groupRoles: string[]) => ({
      ...withFirstRule({ approvals: [{ name: 'Security', roles: groupRoles, quorum: { count: 1 } }] }),
      roles,
    });

    it('accepts approver groups naming a declared role or a built-in one', () => {
      const policy = ChangePolicy.parse(withRoles([{ name: 'security' }], ['security', 'cab']));

      expect(policyRoles(policy)).toEqual([...BUILT_IN_ROLES, 'security']);
      expect(policy.roles).toEqual([{ name: 'security', description: '' }]);
    });

    it.each([
      ['rules.0.approvals.0.roles.1', withRoles([{ name: 'security' }], ['security', 'operations'])],
      ['roles.1.name', withRoles([{ name: 'security' }, { name: 'security' }], ['security'])],
      ['roles.0.name', withRoles([{ name: 'auditor' }], ['cab'])],
      ['roles.0.name', withRoles([{ name: 'Security Team' }], ['cab'])],
    ])('rejects %s', (path, input) => {
      expect(issuePaths(input)).toEqual([path]);
    });

    it('names the users whose roles the policy does not know', () => {
      const policy = ChangePolicy.parse(withRoles([{ name: 'security' }], ['security']));

      expect(
        unknownUserRoles(
          [
            { id: 'sam', roles: ['security', 'requester'] },
            { id: 'olga', roles: ['operations'] },
          ],
          policy,
        ),
      ).toEqual([{ user: 'olga', role: 'operations' }]);
    });
  });
});
