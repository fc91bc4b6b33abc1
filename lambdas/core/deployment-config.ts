import { ValidationError } from './errors';
import type { CustomDeploymentConfig } from './target-settings';

/**
 * CodeDeploy deployment configs for Lambda: how a deployment shifts the alias from the current to
 * the target version. Source of the rules: the CodeDeploy user guide, "Deployment configurations on
 * an AWS Lambda compute platform" (predefined `CodeDeployDefault.Lambda…` configs) and the
 * `TrafficRoutingConfig` of CreateDeploymentConfig (TimeBasedCanary, TimeBasedLinear, AllAtOnce).
 */

/** How a Lambda deployment config routes traffic; percentages in %, intervals in minutes. */
export type TrafficRouting =
  | { readonly type: 'AllAtOnce' }
  /** `percentage` first, the rest `intervalMinutes` later. */
  | { readonly type: 'TimeBasedCanary'; readonly percentage: number; readonly intervalMinutes: number }
  /** `percentage` more every `intervalMinutes`, starting at once, until 100 %. */
  | { readonly type: 'TimeBasedLinear'; readonly percentage: number; readonly intervalMinutes: number };

/** The prefix of CodeDeploy's own configs: custom configs may not use it. */
export const PREDEFINED_PREFIX = 'CodeDeployDefault.';

const canary = (percentage: number, intervalMinutes: number): TrafficRouting => ({ type: 'TimeBasedCanary', percentage, intervalMinutes });
const linear = (percentage: number, intervalMinutes: number): TrafficRouting => ({ type: 'TimeBasedLinear', percentage, intervalMinutes });

/** Every predefined CodeDeploy config of the Lambda compute platform, by its full name. */
export const PREDEFINED_LAMBDA_CONFIGS: Readonly<Record<string, TrafficRouting>> = {
  'CodeDeployDefault.LambdaAllAtOnce': { type: 'AllAtOnce' },
  'CodeDeployDefault.LambdaCanary10Percent5Minutes': canary(10, 5),
  'CodeDeployDefault.LambdaCanary10Percent10Minutes': canary(10, 10),
  'CodeDeployDefault.LambdaCanary10Percent15Minutes': canary(10, 15),
  'CodeDeployDefault.LambdaCanary10Percent30Minutes': canary(10, 30),
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute': linear(10, 1),
  'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes': linear(10, 2),
  'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes': linear(10, 3),
  'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes': linear(10, 10),
};

/** A deployment config resolved to its CodeDeploy name and routing. */
export interface ResolvedDeploymentConfig {
  /** The name CreateDeployment takes (`CodeDeployDefault.Lambda…` or the custom config's name). */
  readonly name: string;
  readonly routing: TrafficRouting;
  /** True for CodeDeploy's own configs; false for a custom config, which must be created first. */
  readonly predefined: boolean;
}

/** The routing of a custom config (target.json `codeDeploy.customConfigs[]`). */
export function routingOf(config: CustomDeploymentConfig): TrafficRouting {
  return config.type === 'canary' ? canary(config.percentage, config.intervalMinutes) : linear(config.percentage, config.intervalMinutes);
}

/**
 * Resolves a target's `codeDeploy.deploymentConfig`: a custom config's exact name, a predefined full
 * name (`CodeDeployDefault.LambdaCanary10Percent5Minutes`) or its short form, with or without
 * `Lambda` (`Canary10Percent5Minutes`, `LambdaCanary10Percent5Minutes`, `AllAtOnce`).
 * @throws ValidationError on the field `codeDeploy.deploymentConfig` when the name is none of these
 */
export function resolveDeploymentConfig(nameOrShort: string, customConfigs: readonly CustomDeploymentConfig[] = []): ResolvedDeploymentConfig {
  const custom = customConfigs.find((c) => c.name === nameOrShort);
  if (custom) return { name: custom.name, routing: routingOf(custom), predefined: false };
  // A full name is taken as is: `CodeDeployDefault.AllAtOnce` is the EC2/on-premises config, not Lambda's.
  const name = nameOrShort.startsWith(PREDEFINED_PREFIX)
    ? nameOrShort
    : `${PREDEFINED_PREFIX}${nameOrShort.startsWith('Lambda') ? nameOrShort : `Lambda${nameOrShort}`}`;
  const routing = PREDEFINED_LAMBDA_CONFIGS[name];
  if (routing) return { name, routing, predefined: true };
  const known = [...Object.keys(PREDEFINED_LAMBDA_CONFIGS), ...customConfigs.map((c) => c.name)].join(', ');
  throw ValidationError.field('codeDeploy.deploymentConfig', `unknown deployment config "${nameOrShort}"; expected one of ${known}`);
}

/** One shift of a deployment: from `afterMinutes` on, `percent` % of the traffic goes to the target version. */
export interface TrafficShift {
  readonly percent: number;
  readonly afterMinutes: number;
}

/**
 * The shifts a routing makes, in order, the last at 100 %: canary [p @0, 100 @interval]; linear
 * [p @0, 2p @interval, …, 100 @k·interval]; all-at-once [100 @0].
 * @throws RangeError when a canary or linear percentage is not an integer from 1 to 99
 */
export function trafficShifts(routing: TrafficRouting): TrafficShift[] {
  if (routing.type === 'AllAtOnce') return [{ percent: 100, afterMinutes: 0 }];
  if (!Number.isInteger(routing.percentage) || routing.percentage < 1 || routing.percentage > 99) {
    throw new RangeError(`traffic routing percentage must be an integer from 1 to 99, got ${routing.percentage}`);
  }
  if (routing.type === 'TimeBasedCanary') {
    return [
      { percent: routing.percentage, afterMinutes: 0 },
      { percent: 100, afterMinutes: routing.intervalMinutes },
    ];
  }
  const shifts: TrafficShift[] = [];
  for (let i = 1; ; i++) {
    const percent = Math.min(100, i * routing.percentage);
    shifts.push({ percent, afterMinutes: (i - 1) * routing.intervalMinutes });
    if (percent === 100) return shifts;
  }
}

/**
 * When CMV looks at a CodeDeploy deployment (codedeploy strategy). Its end reaches CMV at once, as an
 * EventBridge "CodeDeploy Deployment State-change Notification"; its traffic shifts raise no event,
 * so CMV looks when its deployment config makes the next one. Seconds; CodeDeploy's own bounds from the
 * CodeDeploy user guide: a lifecycle hook must report within an hour.
 */
export const CODEDEPLOY_LOOKS = {
  /** How long after a shift is due CMV looks (and the first back-off step). */
  marginSeconds: 30,
  /** A hook's hour, and a minute: how long a deployment may rightly show no change (before the first shift; at 100 % before it succeeds). */
  hookWindowSeconds: 3660,
} as const;

/**
 * Seconds until CMV looks at a CodeDeploy deployment again, from the weight it saw and how many looks
 * in a row saw no new one: at 100 %, the hook's window (the deployment's end wakes it first); right
 * after a new weight, the interval to the next shift plus a margin; otherwise — before the first shift
 * (while the BeforeAllowTraffic hook runs), or a shift that is late — back-off from the margin,
 * doubling, at most half the interval (so no weight that lasts an interval goes unseen) or the hook's window.
 */
export function nextCodeDeployLook(routing: TrafficRouting, weight: number, unchangedLooks: number): number {
  const { marginSeconds, hookWindowSeconds } = CODEDEPLOY_LOOKS;
  if (weight >= 100) return hookWindowSeconds;
  const interval = routing.type === 'AllAtOnce' ? hookWindowSeconds : routing.intervalMinutes * 60;
  if (weight > 0 && unchangedLooks === 0) return interval + marginSeconds;
  const cap = routing.type === 'AllAtOnce' ? hookWindowSeconds : Math.max(marginSeconds, interval / 2);
  return Math.min(cap, marginSeconds * 2 ** Math.min(unchangedLooks, 20));
}
