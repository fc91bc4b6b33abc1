import { alarmNamePatternsFor } from '../lambdas/core/alarm-definitions';
import type { StackTarget } from '../lambdas/core/target';

/** One statement of an IAM policy document (identity-based: no Principal). */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

/** Where the target's resources are: the target account's partition, region and id. */
export interface TargetAccountArns {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/**
 * The permissions a target's deploy role needs in its account: exactly the calls CMV makes there
 * through it (lambdas/adapters/lambda-functions.ts, cloudwatch-alarms.ts, cloudwatch-metrics.ts), on
 * the target's function, its versions and alias, and the canary alarms named after the target — as
 * the stack grants them on a target in CMV's own account (lib/constructs/registered-target.ts).
 * Version numbers are assigned at publish time, hence `function:<name>:*` (the unqualified function
 * is not matched by it: it cannot be deleted, nor `$LATEST` invoked). The README prints it; the local
 * runtime's deploy roles have it.
 */
export function deployRolePolicy(target: Pick<StackTarget, 'name' | 'functionName'>, where: TargetAccountArns): PolicyStatement[] {
  const { partition: p, region: r, account: a } = where;
  const fn = `arn:${p}:lambda:${r}:${a}:function:${target.functionName}`;
  return [
    {
      Sid: 'PublishAndShift',
      Effect: 'Allow',
      Action: [
        'lambda:GetAlias',
        'lambda:UpdateAlias',
        'lambda:UpdateFunctionCode',
        'lambda:UpdateFunctionConfiguration',
        // The SDK's waiter for a code or configuration update polls GetFunction.
        'lambda:GetFunction',
        'lambda:GetFunctionConfiguration',
        'lambda:PublishVersion',
        'lambda:ListVersionsByFunction',
        'lambda:ListAliases',
      ],
      Resource: [fn, `${fn}:*`],
    },
    {
      Sid: 'Versions',
      Effect: 'Allow',
      Action: [
        'lambda:InvokeFunction',
        'lambda:DeleteFunction',
        'lambda:PutProvisionedConcurrencyConfig',
        'lambda:GetProvisionedConcurrencyConfig',
        'lambda:DeleteProvisionedConcurrencyConfig',
      ],
      Resource: [`${fn}:*`],
    },
    {
      Sid: 'CanaryAlarms',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms'],
      Resource: alarmNamePatternsFor(target.name).map((name) => `arn:${p}:cloudwatch:${r}:${a}:alarm:${name}`),
    },
    // No resource-level permissions (Service Authorization Reference): the canary's per-version Lambda metrics.
    { Sid: 'CanaryMetrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: ['*'] },
  ];
}

/**
 * The trust policy of a target's deploy role: CMV's handler roles that act on targets may assume it
 * (their ARNs: the CDK stack's outputs), with sts:AssumeRole only.
 */
export function deployRoleTrustPolicy(handlerRoleArns: readonly string[]) {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'CmvHandlers', Effect: 'Allow', Principal: { AWS: [...handlerRoleArns] }, Action: 'sts:AssumeRole' }],
  } as const;
}
