import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../../lambdas/adapters/policy-file';
import { policyHash } from '../../../lambdas/core/policy/change-policy';
import { SINGLE_APPROVER_POLICY } from '../../../lambdas/core/policy/single-approver-policy';

describe('examples/policy-single-approver.yaml', () => {
  it('holds the single-approver policy: the same rules and the same hash', () => {
    const file = join(__dirname, '..', '..', '..', 'examples', 'policy-single-approver.yaml');

    const policy = parsePolicy(readFileSync(file, 'utf8'), file);

    expect(policy).toEqual(SINGLE_APPROVER_POLICY);
    expect(policyHash(policy)).toBe(policyHash(SINGLE_APPROVER_POLICY));
  });
});
