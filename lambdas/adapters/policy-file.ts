import { parse as parseYaml } from 'yaml';
import type { ChangePolicy } from '../core/policy/change-policy';
import { parsePolicyJson, validatePolicy } from './policy-document';

/**
 * Loads a change-control policy from YAML or JSON text (JSON when `source` ends in `.json`) and
 * validates it: the policy file, read at synth and by the local runtime.
 * @param source - where it came from, for the error message
 * @throws Error naming the source and every invalid field (`rules.2.approvals.0.quorum: …`)
 */
export function parsePolicy(text: string, source: string): ChangePolicy {
  if (source.endsWith('.json')) return parsePolicyJson(text, source);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`policy ${source} is not valid YAML: ${(err as Error).message}`);
  }
  return validatePolicy(raw, source);
}
