import { ChangePolicy } from '../core/policy/change-policy';

/**
 * Validates a parsed change-control policy document (defaults filled in).
 * @param source - where it came from, for the error message
 * @throws Error naming the source and every invalid field (`rules.2.approvals.0.quorum: …`)
 */
export function validatePolicy(raw: unknown, source: string): ChangePolicy {
  const result = ChangePolicy.safeParse(raw);
  if (!result.success) {
    throw new Error(`policy ${source} is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}

/**
 * Loads a change-control policy from JSON text and validates it. What a Lambda reads: the YAML
 * form is read at synth and by the local runtime only (`policy-file.ts`), so no handler bundles a
 * YAML parser.
 * @throws Error naming the source when the text is not JSON, or every invalid field ({@link validatePolicy})
 */
export function parsePolicyJson(text: string, source: string): ChangePolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`policy ${source} is not valid JSON: ${(err as Error).message}`);
  }
  return validatePolicy(raw, source);
}
