import isMatch from 'lodash/isMatch';
import type { Invocation } from './ports';
import type { SmokeTest } from './target-settings';

/** The outcome of one smoke test. */
export interface SmokeTestResult {
  readonly name: string;
  readonly passed: boolean;
  readonly reason: string;
  readonly executedVersion: string;
}

/**
 * Judges one smoke-test invocation: it passes when the function returned without error, ran the
 * expected version, and its result contains `test.expect` (a deep subset, lodash `isMatch`).
 * @param expectedVersion - the function version that must have run it
 */
export function judgeSmokeTest(test: SmokeTest, invocation: Invocation, expectedVersion: string): SmokeTestResult {
  const base = { name: test.name, executedVersion: invocation.executedVersion };
  if (invocation.executedVersion !== expectedVersion) {
    return { ...base, passed: false, reason: `ran version ${invocation.executedVersion}, expected ${expectedVersion}` };
  }
  if (!invocation.ok) return { ...base, passed: false, reason: `function error: ${describe(invocation.payload)}` };
  if (test.expect !== undefined && !matches(invocation.payload, test.expect)) {
    return { ...base, passed: false, reason: `result ${describe(invocation.payload)} does not contain ${describe(test.expect)}` };
  }
  return { ...base, passed: true, reason: 'ok' };
}

function matches(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== 'object' || expected === null) return actual === expected;
  return typeof actual === 'object' && actual !== null && isMatch(actual, expected);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
