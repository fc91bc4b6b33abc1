import { parse as parseYaml } from 'yaml';
import { ChangePolicy } from '../core/policy/change-policy';

/**
 * Loads a change-control policy from YAML or JSON text and validates it.
 * @param source - where it came from, for the error message
 * @throws Error naming the source and every invalid field (`rules.2.approvals.0.quorum: …`)
 */
export function parsePolicy(text: string, source: string): ChangePolicy {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`policy ${source} is not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  const result = ChangePolicy.safeParse(raw);
  if (!result.success) {
    throw new Error(`policy ${source} is invalid: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data;
}
