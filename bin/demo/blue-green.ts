import { join } from 'node:path';
import { GetProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { readChangeFile } from '../../lib/client/change-file';
import { ROOT } from '../../lib/local/runtime';
import { type DemoContext, follow, say, sleep } from './context';

const TARGET = 'benefit-calculator';

/**
 * The blue-green strategy: a config-only change whose new version is warmed (the target's
 * `blueGreen.provisionedConcurrency`, READY on the local Lambda) before the alias switches to it
 * 0 → 100 % in one update; the old version stays warm through the bake and is released after it.
 */
export default async function blueGreenSection(ctx: DemoContext): Promise<void> {
  const { api, runtime, traffic, failures, results } = ctx;
  console.log('\n── The blue-green strategy: the new version warmed, all traffic switched at once, the old one warm until the bake ends');
  const base = await readChangeFile(join(ROOT, 'examples', TARGET, 'changes', '1.1.0-seasonal-bonus.json'));
  const body = {
    ...base,
    version: '1.1.5',
    title: 'Dependency allowance $30 → $35 (deployed blue-green)',
    config: { MAX_WEEKLY_BENEFIT: '1120', MIN_BASE_PERIOD_WAGES: '6300', DEPENDENCY_ALLOWANCE: '35' },
    code: undefined,
    baseVersion: undefined,
    strategy: 'blue-green',
  };
  const before = await api.target(TARGET);
  const blue = before.liveFunctionVersion;
  const proposed = await api.propose(body);
  const { provisionedConcurrency, bakeSeconds } = (await api.change(proposed.changeId)).plan.blueGreen ?? { bakeSeconds: 0 };
  say(`alice proposed 1.1.5 (config only, strategy blue-green: ${provisionedConcurrency ?? 'no'} provisioned environments, ${bakeSeconds} s bake)`);
  const warmth = async (version: string) =>
    runtime.lambda
      .send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: before.functionName, Qualifier: version }))
      .then((pc) => `${pc.Status} ${pc.AllocatedProvisionedConcurrentExecutions}`)
      .catch(() => 'none');
  const final = await follow(api, proposed.changeId, runtime.sns.messages, traffic, ['bob', 'carol'], [], async (c) => {
    if (c.deployment?.currentWeight !== 100) return false;
    const green = c.deployment.toFunctionVersion ?? '';
    const { items } = await api.audit({ changeId: c.changeId }, 'erin');
    const warmed = items.find((e) => e.type === 'ProvisionedConcurrencyReady');
    say(`warm-up: version ${green} provisioned ${warmed ? `READY at ${warmed.time}` : '(none)'}, then smoke tested`);
    const alias = (await api.target(TARGET)).alias.routingPercent;
    const blueWarmth = await warmth(blue);
    const kept = blueWarmth === 'none' ? 'still serving, without provisioned concurrency (it was not deployed blue-green)' : `still warm (${blueWarmth})`;
    say(`switched in one update: alias ${JSON.stringify(alias)}; baking with version ${blue} ${kept}, beside ${green} (${await warmth(green)})`);
    return true;
  });
  // The release follows the deployed record at once (the sweep would finish it after a crash): a few looks at most.
  let released = (await api.audit({ changeId: proposed.changeId, type: 'ProvisionedConcurrencyReleased' }, 'erin')).items;
  for (let look = 0; look < 50 && released.length === 0 && final.status === 'deployed'; look++) {
    await sleep(100);
    released = (await api.audit({ changeId: proposed.changeId, type: 'ProvisionedConcurrencyReleased' }, 'erin')).items;
  }
  say(
    `after the bake: ${released.map((e) => `version ${e.details.functionVersion} released (had provisioned concurrency: ${e.details.hadConfig})`).join('; ') || 'nothing released yet'}`,
  );
  results.push({ version: proposed.version, status: final.status, expect: 'deployed' });
  if (final.status !== 'deployed') failures.push(`${proposed.version} (blue-green) ended ${final.status}, expected deployed`);
  if ((final.deployment?.history ?? []).map((h) => h.weight).join() !== '100') failures.push('the blue-green change did not switch 0 → 100 % in one step');
}
