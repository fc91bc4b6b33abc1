import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Change } from '../../lambdas/core/change';
import type { VersionRecord } from '../../lambdas/core/target';
import { readChangeFile } from '../../lib/client/change-file';
import { readTargetRegistration } from '../../lib/client/target-registration';
import { ROOT } from '../../lib/local/runtime';
import { type DemoContext, follow, say, Traffic } from './context';

const PRODUCTION = 'benefit-calculator';
const STAGING_DIR = join(ROOT, 'examples', 'benefit-calculator-staging');
/** The staging target's file: bin/demo.ts lists it in the runtime's `stackTargets`, so the stack's grants cover it. */
export const STAGING_TARGET_FILE = join(STAGING_DIR, 'target.json');

/**
 * Environments and promotion: dana registers a staging target of the example service (running what
 * production runs), alice's release 1.5.0 is built and deployed there, then advanced to production
 * (`POST /changes/{id}/advance`) as the same artifact — the same SHA-256 in CMV's records and in
 * Lambda's CodeSha256 of both functions — through production's own tests and approval.
 */
export default async function promotion(ctx: DemoContext): Promise<void> {
  const { api, runtime } = ctx;
  console.log('\n── Environments: release 1.5.0 is built once in staging, then advanced to production as the same artifact');
  const production = await api.target(PRODUCTION);
  const live = (await api.versions(PRODUCTION)).items.find((v) => v.live) as unknown as VersionRecord;

  // As `cdk deploy` creates a target's function: here with the code and config production runs now, published, alias live.
  const { registration, handler } = await readTargetRegistration(STAGING_TARGET_FILE, live.artifact.uri);
  const created = (await runtime.lambda.send(
    new CreateFunctionCommand({
      FunctionName: registration.functionName,
      Handler: handler,
      Role: 'arn:aws:iam::000000000000:role/local',
      Code: { ZipFile: await runtime.services.artifacts.read(live.artifact.uri) },
      Environment: { Variables: live.config },
      Publish: true,
    }),
  )) as { Version: string };
  await runtime.lambda.send(new CreateAliasCommand({ FunctionName: registration.functionName, Name: registration.alias, FunctionVersion: created.Version }));
  const staging = await api.register({ ...registration, config: live.config, initialVersion: production.liveVersion }, 'dana');
  say(`dana registered ${staging.name} (environment ${staging.environment}, promotesTo ${staging.promotesTo}) serving production's ${live.version}`);

  const body = await readChangeFile(join(STAGING_DIR, 'changes', '1.5.0-release.json'));
  const proposed = await api.propose(body);
  say(`alice proposed ${proposed.version} to ${staging.name}: change ${proposed.changeId.slice(0, 8)}, code built from the diff once, here`);
  const stagingTraffic = new Traffic(
    api,
    JSON.parse(await readFile(join(ROOT, 'examples', 'benefit-calculator', 'traffic', 'claims.json'), 'utf8')),
    staging.name,
  );
  const staged = await follow(api, proposed.changeId, runtime.sns.messages, stagingTraffic, approversOf(await api.change(proposed.changeId)));
  ctx.results.push({ version: `${staged.version} staging`, status: staged.status, expect: 'deployed' });
  if (stagingTraffic.throttled > 0) ctx.failures.push(`${stagingTraffic.throttled} staging request(s) were throttled (429)`);
  if (staged.status !== 'deployed') {
    ctx.failures.push(`${staged.version} in staging ended ${staged.status}, expected deployed`);
    return;
  }

  const advanced = await api.advance(staged.changeId, { environment: 'production', reason: 'served staging without an alarm' });
  say(
    `alice: cmv advance ${staged.changeId.slice(0, 8)} production → change ${advanced.changeId.slice(0, 8)}, ${advanced.target} ${advanced.version}, same artifact SHA-256 ${advanced.promotedFrom?.artifactSha256}`,
  );
  say(`  production's own policy applies: rule ${advanced.plan.policy.ruleId}, tests ${advanced.plan.tests.join(', ')} (staging's evidence carried along)`);
  const promoted = await follow(api, advanced.changeId, runtime.sns.messages, ctx.traffic, approversOf(await api.change(advanced.changeId)));
  ctx.results.push({ version: `${promoted.version} prod`, status: promoted.status, expect: 'deployed' });
  if (promoted.status !== 'deployed') ctx.failures.push(`${promoted.version} advanced to production ended ${promoted.status}, expected deployed`);

  const codeSha256 = async (functionName: string) => {
    const alias = (await runtime.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: 'live' }))) as { FunctionVersion: string };
    const fn = (await runtime.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: alias.FunctionVersion }))) as {
      CodeSha256: string;
    };
    return fn.CodeSha256;
  };
  const [inStaging, inProduction] = await Promise.all([codeSha256(staging.functionName), codeSha256(production.functionName)]);
  const source = await api.change(staged.changeId);
  say(
    `Lambda CodeSha256: staging ${inStaging}, production ${inProduction} ${inStaging === inProduction ? '✓ the same artifact, signed once, never rebuilt' : '✗ DIFFERENT'}`,
  );
  say(`chain: ${source.changeId.slice(0, 8)} (staging) promotedTo ${source.promotedTo?.changeId.slice(0, 8)} (production), promotedFrom back ✓`);
  // Both run the artifact as AWS Signer signed it once (CodeSha256 is the signed zip's): the same bytes in both accounts.
  if (inStaging !== inProduction) ctx.failures.push('the code advanced to production is not the artifact deployed in staging');
  if (source.promotedTo?.changeId !== promoted.changeId || promoted.promotedFrom?.changeId !== source.changeId)
    ctx.failures.push('the promotion chain is not linked both ways');
}

/** Who approves a change through their e-mail: as many eligible people of each group as its quorum needs (none where the policy pre-approves it). */
function approversOf(change: Change): string[] {
  const chosen: string[] = [];
  for (const group of change.plan.approvals.groups) chosen.push(...group.eligible.filter((id) => !chosen.includes(id)).slice(0, group.required));
  return chosen;
}
