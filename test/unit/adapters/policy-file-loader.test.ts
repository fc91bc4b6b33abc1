import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy, policyFromEnvironment } from '../../../lambdas/adapters/policy-file';
import { DEFAULT_POLICY } from '../../../lambdas/core/policy/default-policy';

describe('policy-file', () => {
  describe('parsePolicy()', () => {
    it('reads the example YAML policy file', () => {
      const text = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'policy.yaml'), 'utf8');

      const policy = parsePolicy(text, 'examples/policy.yaml');

      expect(policy.rules.map((r) => r.id)).toEqual(DEFAULT_POLICY.rules.map((r) => r.id));
      expect(policy.blackouts).toHaveLength(1);
    });

    it('reads JSON when the source ends in .json', () => {
      expect(parsePolicy(JSON.stringify(DEFAULT_POLICY), 'p.json')).toEqual(DEFAULT_POLICY);
    });

    it('rejects text that is not YAML, naming the source', () => {
      expect(() => parsePolicy('rules: [unclosed', 'bad.yaml')).toThrow(/policy bad.yaml is not valid YAML/);
    });

    it('rejects a policy that breaks the schema, listing each field and reason', () => {
      const broken = { ...DEFAULT_POLICY, rules: [{ ...DEFAULT_POLICY.rules[0], approvalTimeoutHours: -1 }, ...DEFAULT_POLICY.rules.slice(1)] };
      expect(() => parsePolicy(JSON.stringify(broken), 'p.json')).toThrow(/policy p.json is invalid: rules\.0\.approvalTimeoutHours: /);
    });
  });

  describe('policyFromEnvironment()', () => {
    const saved = process.env.CMV_POLICY_JSON;
    afterEach(() => {
      if (saved === undefined) delete process.env.CMV_POLICY_JSON;
      else process.env.CMV_POLICY_JSON = saved;
    });

    it('is the default policy without CMV_POLICY_JSON', () => {
      delete process.env.CMV_POLICY_JSON;
      expect(policyFromEnvironment()).toBe(DEFAULT_POLICY);
    });

    it('is the policy CMV_POLICY_JSON holds when set', () => {
      process.env.CMV_POLICY_JSON = JSON.stringify({ ...DEFAULT_POLICY, name: 'from the environment' });
      expect(policyFromEnvironment().name).toBe('from the environment');
    });
  });
});
