import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../../lambdas/adapters/policy-file';
import { SINGLE_APPROVER_POLICY } from '../../../lambdas/core/policy/single-approver-policy';

const MINIMAL_YAML = `
name: Minimal
timeZone: Europe/Berlin
rules:
  - id: everything
    match: {}
    approvals:
      - name: Peer review
        roles: [approver]
        quorum: { count: 1 }
    tests: [lint, unit]
    approvalTimeoutHours: 24
`;

/** The default policy with the first rule's approval timeout set to `hours`. */
const withTimeout = (hours: number) => ({
  ...SINGLE_APPROVER_POLICY,
  rules: [{ ...SINGLE_APPROVER_POLICY.rules[0], approvalTimeoutHours: hours }, ...SINGLE_APPROVER_POLICY.rules.slice(1)],
});

describe('policy-file', () => {
  describe('parsePolicy()', () => {
    it('reads a YAML policy and fills in the defaults when the source ends in .yaml', () => {
      // Act
      const policy = parsePolicy(MINIMAL_YAML, 'minimal.yaml');

      // Assert
      expect(policy).toEqual({
        name: 'Minimal',
        timeZone: 'Europe/Berlin',
        blackouts: [],
        rules: [
          {
            id: 'everything',
            description: '',
            match: {},
            approvals: [{ name: 'Peer review', roles: ['approver'], quorum: { count: 1 } }],
            tests: ['lint', 'unit'],
            windows: [],
            bypassWindows: false,
            testsAfterDeploy: false,
            postImplementationReview: false,
            approvalTimeoutHours: 24,
          },
        ],
      });
    });

    it('reads the example policy file shipped in examples/policy.yaml', () => {
      // Arrange
      const text = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'policy.yaml'), 'utf8');

      // Act
      const policy = parsePolicy(text, 'examples/policy.yaml');

      // Assert
      expect(policy.rules.map((r) => r.id)).toEqual(SINGLE_APPROVER_POLICY.rules.map((r) => r.id));
      expect(policy.blackouts).toEqual([{ from: '2026-12-23T00:00:00+01:00', to: '2027-01-02T00:00:00+01:00', reason: 'year-end change freeze' }]);
    });

    it('reads JSON when the source ends in .json', () => {
      // Arrange
      const text = JSON.stringify(SINGLE_APPROVER_POLICY, null, 2);

      // Act
      const policy = parsePolicy(text, 'policy.json');

      // Assert
      expect(policy).toEqual(SINGLE_APPROVER_POLICY);
    });

    it('rejects YAML-only syntax when the source ends in .json', () => {
      expect(() => parsePolicy(MINIMAL_YAML, 'policy.json')).toThrow(/^policy policy\.json is not valid JSON: /);
    });

    it('rejects text that is not valid YAML, naming the source', () => {
      expect(() => parsePolicy('rules: [unclosed', 'bad.yaml')).toThrow(/^policy bad\.yaml is not valid YAML: /);
    });

    it('rejects text that is not valid JSON, naming the source', () => {
      expect(() => parsePolicy('{"name": "x",', 'bad.json')).toThrow(/^policy bad\.json is not valid JSON: /);
    });

    it('rejects a policy that breaks the schema, listing the path and reason of the field', () => {
      // Arrange
      const text = JSON.stringify(withTimeout(-1));

      // Act / Assert
      expect(() => parsePolicy(text, 'p.json')).toThrow('policy p.json is invalid: rules.0.approvalTimeoutHours: Too small: expected number to be >0');
    });

    it('rejects a policy with several errors, listing every path separated by semicolons', () => {
      // Arrange
      const text = JSON.stringify({ ...withTimeout(0), timeZone: 'Mars/Olympus' });

      // Act / Assert
      expect(() => parsePolicy(text, 'p.json')).toThrow(
        /^policy p\.json is invalid: timeZone: must be an IANA time zone such as Europe\/Berlin; rules\.0\.approvalTimeoutHours: /,
      );
    });

    it('rejects a document that is not a policy at all, naming the root', () => {
      expect(() => parsePolicy('just a string', 'p.yaml')).toThrow(/^policy p\.yaml is invalid: \(root\): /);
    });
  });
});
