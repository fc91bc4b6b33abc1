import * as z from 'zod';
import type { Change, PromotedFrom } from './change';
import type { PromotionPolicy } from './policy/change-policy';

/**
 * Promotion between environments: a version deployed and healthy in one environment advances to the
 * target of the same service in the next environment (the source target's `promotesTo`) as the same
 * artifact (same SHA-256), never rebuilt. The pure rules; the use case is ./use-cases/advance-change.ts.
 */

/**
 * An IAM role ARN CMV may assume to deploy to a target in another account: `arn:<partition>:iam::<12
 * digits>:role/<path/>name` (IAM: role names ≤ 64 characters of `[\w+=,.@-]`, paths of `/`-separated such segments).
 */
export const DeployRoleArn = z
  .string()
  .max(2048)
  .regex(
    /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/,
    'must be an IAM role ARN such as arn:aws:iam::123456789012:role/cmv-deploy',
  );

/**
 * Why a target of environment `from` may not promote to one of environment `to` under the policy's
 * order, or undefined when it may (`to` comes after `from`).
 */
export function promotionRouteProblem(order: readonly string[], from: string, to: string): string | undefined {
  const listed = `the policy's promotion order (${order.join(' → ')})`;
  if (!order.includes(from)) return `environment ${from} is not in ${listed}`;
  if (!order.includes(to)) return `environment ${to} is not in ${listed}`;
  if (order.indexOf(to) <= order.indexOf(from)) return `${to} does not come after ${from} in ${listed}`;
  return undefined;
}

/** When the source change was deployed: its deployment's end (its last update for a change recorded without one). */
export function deployedAt(change: Pick<Change, 'deployment' | 'updatedAt'>): string {
  return change.deployment?.endedAt ?? change.updatedAt;
}

/**
 * How long, in ms, the source must still stay deployed before it may advance to `environment`
 * (the policy's `requireHealthyHours`); 0 when it may now.
 */
export function healthyWaitLeftMs(promotion: PromotionPolicy, environment: string, since: string, now: Date): number {
  const hours = promotion.requireHealthyHours[environment] ?? 0;
  return Math.max(0, Date.parse(since) + hours * 3_600_000 - now.getTime());
}

/** A wait in words, rounded up to the minute: `1 h 05 min`, `12 min`. */
export function describeWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

/** The source's tests as the promoted change carries them: outcome, build, time, report, suite by suite. */
export function carriedTests(change: Pick<Change, 'tests'>): PromotedFrom['tests'] {
  const t = change.tests;
  if (!t) return undefined;
  return {
    passed: t.passed,
    buildId: t.buildId,
    at: t.at,
    ...(t.reportUri ? { reportUri: t.reportUri } : {}),
    suites: (t.suites ?? []).map((s) => ({ suite: s.suite, passed: s.passed })),
  };
}
