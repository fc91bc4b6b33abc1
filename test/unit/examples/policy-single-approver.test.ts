import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../../lambdas/adapters/policy-file';
import { policyHash } from '../../../lambdas/core/policy/change-policy';
import { DEFAULT_POLICY } from '../../../lambdas/core/policy/default-policy';

describe('examples/policy-single-approver.yaml', () => {
  it('holds the built-in default policy: the same rules and the same hash', () => {
    const file = join(__dirname, '..', '..', '..', 'examples', 'policy-single-approver.yaml');

    const policy = parsePolicy(readFileSync(file, 'utf8'), file);

    expect(policy).toEqual(DEFAULT_POLICY);
    expect(policyHash(policy)).toBe(policyHash(DEFAULT_POLICY));
  });
});
