import {
  AlarmsLimitExceededException,
  type AutoRollbackConfiguration,
  InvalidAlarmConfigException,
  InvalidAutoRollbackConfigException,
  InvalidRevisionException,
  InvalidTrafficRoutingConfigurationException,
  type TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import { parse as parseYaml } from 'yaml';
import type { TrafficRouting } from '../../lambdas/core/deployment-config';
import { type HookName, type LambdaAppSpec, meta, type StoredGroup } from './codedeploy-records';

/** The inputs of the local CodeDeploy's API, read and validated as CodeDeploy does for Lambda (its exceptions). */

const MAX_ALARMS = 10;

/** The routing of CreateDeploymentConfig's `trafficRoutingConfig`, validated as CodeDeploy does for Lambda. */
export function routingFrom(config: TrafficRoutingConfig | undefined): TrafficRouting {
  const invalid = (why: string) => new InvalidTrafficRoutingConfigurationException({ message: `Invalid traffic routing configuration: ${why}`, ...meta });
  const check = (percentage: number | undefined, interval: number | undefined) => {
    if (!Number.isInteger(percentage) || (percentage as number) < 1 || (percentage as number) > 99)
      throw invalid(`percentage must be 1 to 99, got ${percentage}`);
    if (!Number.isInteger(interval) || (interval as number) < 1) throw invalid(`interval must be a whole number of minutes, got ${interval}`);
    return { percentage: percentage as number, intervalMinutes: interval as number };
  };
  switch (config?.type) {
    case 'AllAtOnce':
      return { type: 'AllAtOnce' };
    case 'TimeBasedCanary':
      return { type: 'TimeBasedCanary', ...check(config.timeBasedCanary?.canaryPercentage, config.timeBasedCanary?.canaryInterval) };
    case 'TimeBasedLinear':
      return { type: 'TimeBasedLinear', ...check(config.timeBasedLinear?.linearPercentage, config.timeBasedLinear?.linearInterval) };
    default:
      throw invalid(`a Lambda config needs trafficRoutingConfig.type TimeBasedCanary, TimeBasedLinear or AllAtOnce, got ${config?.type}`);
  }
}

/** A group's or a deployment's alarm configuration. @throws AlarmsLimitExceededException, InvalidAlarmConfigException */
export function alarmsFrom(config: { enabled?: boolean; ignorePollAlarmFailure?: boolean; alarms?: { name?: string }[] } | undefined): StoredGroup['alarms'] {
  const names = (config?.alarms ?? []).map((a) => a.name ?? '');
  if (names.length > MAX_ALARMS)
    throw new AlarmsLimitExceededException({ message: `At most ${MAX_ALARMS} alarms per deployment group, got ${names.length}`, ...meta });
  if (names.some((n) => !n) || new Set(names).size !== names.length || (config?.enabled && names.length === 0)) {
    throw new InvalidAlarmConfigException({ message: 'Alarm names must be set, unique, and present when the alarm configuration is enabled.', ...meta });
  }
  return { enabled: config?.enabled ?? false, ignorePollAlarmFailure: config?.ignorePollAlarmFailure ?? false, names };
}

/** A group's or a deployment's auto-rollback configuration. @throws InvalidAutoRollbackConfigException */
export function autoRollbackFrom(config: AutoRollbackConfiguration | undefined): StoredGroup['autoRollback'] {
  const events = config?.events ?? [];
  if (config?.enabled && events.length === 0) {
    throw new InvalidAutoRollbackConfigException({ message: 'Automatic rollback is enabled but no triggering event is listed.', ...meta });
  }
  return { enabled: config?.enabled ?? false, events };
}

/**
 * The one `AWS::Lambda::Function` resource and the hooks of a Lambda AppSpec (JSON or YAML).
 * @throws InvalidRevisionException when the content is not such an AppSpec
 */
export function parseAppSpec(content: string): LambdaAppSpec {
  const invalid = (why: string) => new InvalidRevisionException({ message: `The AppSpec content is invalid: ${why}`, ...meta });
  let spec: { version?: unknown; Resources?: unknown; Hooks?: unknown };
  try {
    spec = parseYaml(content) ?? {};
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (Number(spec.version) !== 0) throw invalid(`version must be 0.0, got ${JSON.stringify(spec.version)}`);
  const resources = Array.isArray(spec.Resources) ? (spec.Resources as Record<string, unknown>[]) : [];
  if (resources.length !== 1 || Object.keys(resources[0] ?? {}).length !== 1) throw invalid('Resources must hold exactly one AWS::Lambda::Function');
  const resource = Object.values(resources[0])[0] as { Type?: string; Properties?: Record<string, unknown> };
  const p = resource?.Properties ?? {};
  if (resource?.Type !== 'AWS::Lambda::Function') throw invalid(`the resource type must be AWS::Lambda::Function, got ${resource?.Type}`);
  for (const field of ['Name', 'Alias', 'CurrentVersion', 'TargetVersion']) {
    if (typeof p[field] !== 'string' && typeof p[field] !== 'number') throw invalid(`Properties.${field} is missing`);
  }
  const hooks: Partial<Record<HookName, string>> = {};
  for (const entry of Array.isArray(spec.Hooks) ? (spec.Hooks as Record<string, unknown>[]) : []) {
    for (const [name, fn] of Object.entries(entry ?? {})) {
      if (name !== 'BeforeAllowTraffic' && name !== 'AfterAllowTraffic') throw invalid(`${name} is not a Lambda lifecycle event`);
      if (typeof fn !== 'string' || !fn) throw invalid(`the ${name} hook must name a function`);
      hooks[name] = fn;
    }
  }
  return {
    functionName: String(p.Name),
    alias: String(p.Alias),
    currentVersion: String(p.CurrentVersion),
    targetVersion: String(p.TargetVersion),
    hooks,
  };
}
