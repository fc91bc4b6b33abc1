import type { SmokeTestRun } from '../change';
import { DeploymentError } from '../errors';
import { judgeSmokeTest, type SmokeTestResult } from '../smoke-test';
import { loadTarget, requireDeployment } from './deploy';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';
import { onTarget } from './target-services';

/**
 * Runs the target's smoke tests for a deploying change and records the run (`SmokeTestsPassed` or
 * `SmokeTestsFailed`). `before-traffic` invokes the new version itself, before any traffic reaches
 * it; `after-traffic` invokes the alias once it routes 100 % to the new version. Idempotent: a run
 * already recorded for the phase is returned as it was. A target without smoke tests passes.
 * @returns the run (the caller rolls back when it failed)
 */
export async function runSmokeTests(svc: Services, changeId: string, phase: SmokeTestRun['phase']): Promise<SmokeTestRun> {
  const c = await loadChange(svc, changeId);
  const d = requireDeployment(c.deployment, changeId);
  const earlier = d.smokeTests?.find((r) => r.phase === phase);
  if (earlier) return earlier;
  if (c.status !== 'deploying' || !d.toFunctionVersion) throw new DeploymentError(`change ${changeId} is ${c.status}: no smoke tests to run`);
  const target = await loadTarget(svc, c.target);
  const qualifier = phase === 'before-traffic' ? d.toFunctionVersion : d.alias;
  const { functions } = onTarget(svc, target, changeId);
  const results: SmokeTestResult[] = [];
  for (const test of target.smokeTests) {
    results.push(judgeSmokeTest(test, await functions.invoke(d.functionName, qualifier, test.payload), d.toFunctionVersion));
  }
  const run: SmokeTestRun = { phase, passed: results.every((r) => r.passed), results, at: svc.now().toISOString() };
  await recordChange(svc, changeId, WORKFLOW_ACTOR, (now) => {
    const current = requireDeployment(now.deployment, changeId);
    if (now.status !== 'deploying' || current.smokeTests?.some((r) => r.phase === phase)) return undefined;
    return {
      event: run.passed ? 'SmokeTestsPassed' : 'SmokeTestsFailed',
      patch: { deployment: { ...current, smokeTests: [...(current.smokeTests ?? []), run] } },
      details: { phase, qualifier, results },
    };
  });
  return run;
}

/**
 * The workflow step: runs the smoke tests and fails with a DeploymentError naming the failed tests
 * (the ASL's Catch rolls back).
 * @throws DeploymentError when a smoke test failed
 */
export async function requireSmokeTests(svc: Services, changeId: string, phase: SmokeTestRun['phase']): Promise<{ passed: true; tests: number }> {
  const run = await runSmokeTests(svc, changeId, phase);
  const failed = run.results.filter((r) => !r.passed);
  if (failed.length > 0) throw new DeploymentError(`smoke tests failed ${phase}: ${failed.map((r) => `${r.name} (${r.reason})`).join('; ')}`);
  return { passed: true, tests: run.results.length };
}
