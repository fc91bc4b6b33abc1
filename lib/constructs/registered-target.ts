import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { type Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, type CfnFunction, Code, Function as LambdaFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { errorRateAlarmName } from '../../lambdas/adapters/cloudwatch-alarms';
import { NODE_22_REASON, XRAY_REASON } from './cmv-function';
import { acknowledgeWildcardResource, allow } from './grants';

/** Properties of a {@link RegisteredTarget}. */
export interface RegisteredTargetProps {
  /** The CMV target name (lowercase, dashes); alarm names derive from it. */
  readonly name: string;
  /**
   * The Lambda function's name; POST /targets registers the target with it.
   * @default - the target name
   */
  readonly functionName?: string;
  /** Absolute path of the directory with the service's code, deployed as is (the first version). */
  readonly source: string;
  /** The handler, relative to the source directory, e.g. `src/index.handler`. */
  readonly handler: string;
  /**
   * The service's configuration (environment variables) of the first version; CMV changes publish their own.
   * @default {}
   */
  readonly environment?: Record<string, string>;
  /**
   * @default - `CMV target <name>`
   */
  readonly description?: string;
  /**
   * The alias that takes the traffic and that CMV shifts between versions.
   * @default 'live'
   */
  readonly aliasName?: string;
  /**
   * @default Runtime.NODEJS_22_X
   */
  readonly runtime?: Runtime;
  /**
   * Error rate (errors / invocations of the alias, in %) above which the standing alarm fires.
   * @default 5
   */
  readonly errorRatePercent?: number;
  /**
   * @default Duration.minutes(1)
   */
  readonly alarmPeriod?: Duration;
  /**
   * @default 1
   */
  readonly evaluationPeriods?: number;
  /**
   * Below this many invocations in a period the error rate counts as 0, so one failed request out
   * of two does not fire the alarm.
   * @default 5
   */
  readonly minimumRequests?: number;
  /**
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/** The fields of an example's `target.json` that the stack needs. */
interface TargetFile {
  readonly name: string;
  readonly functionName?: string;
  readonly alias?: string;
  readonly handler: string;
  readonly source: string;
  readonly description?: string;
  readonly config?: Record<string, string>;
  readonly alarms?: {
    readonly errorRatePercent?: number;
    readonly periodSeconds?: number;
    readonly evaluationPeriods?: number;
    readonly minimumRequests?: number;
  };
}

function readTargetFile(file: string): TargetFile {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<TargetFile>;
  for (const field of ['name', 'handler', 'source'] as const) {
    if (typeof parsed[field] !== 'string' || !parsed[field])
      throw new Error(`${file}: "${field}" must be a non-empty string, got ${JSON.stringify(parsed[field])}`);
  }
  return parsed as TargetFile;
}

/**
 * A Lambda service that CMV deploys changes to: the function (its code as the first version), the
 * alias on that version, and a standing error-rate alarm on the alias (metric math
 * `100 * errors / invocations`). CMV then publishes versions and shifts the alias itself.
 *
 * The grants are scoped to this function, its alias and its canary alarm (`cmv-<name>-error-rate`,
 * which the deploy steps create per version): no `function:*`, no `alarm:*`.
 */
export class RegisteredTarget extends Construct {
  /**
   * A target from an example's `target.json` (name, functionName, alias, handler, source relative
   * to the file, config, alarms).
   * @throws Error when the file lacks name, handler or source
   */
  static fromTargetFile(scope: Construct, id: string, file: string): RegisteredTarget {
    const t = readTargetFile(file);
    return new RegisteredTarget(scope, id, {
      name: t.name,
      functionName: t.functionName,
      aliasName: t.alias,
      description: t.description,
      source: path.resolve(path.dirname(file), t.source),
      handler: t.handler,
      environment: t.config,
      errorRatePercent: t.alarms?.errorRatePercent,
      alarmPeriod: t.alarms?.periodSeconds === undefined ? undefined : Duration.seconds(t.alarms.periodSeconds),
      evaluationPeriods: t.alarms?.evaluationPeriods,
      minimumRequests: t.alarms?.minimumRequests,
    });
  }

  readonly name: string;
  readonly function: LambdaFunction;
  readonly alias: Alias;
  /** The standing alarm on the alias (all versions); CDK owns it. */
  readonly alarm: Alarm;
  /** The per-version canary alarm's name: the deploy steps create and read it (CloudWatchAlarmWatch). */
  readonly canaryAlarmName: string;

  constructor(scope: Construct, id: string, props: RegisteredTargetProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(props.name)) throw new Error(`target name must be lowercase letters, digits and dashes, got "${props.name}"`);
    this.name = props.name;
    const aliasName = props.aliasName ?? 'live';
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `CMV target ${props.name}` });
    logGroup.grantWrite(role);
    this.function = new LambdaFunction(this, 'Function', {
      functionName: props.functionName ?? props.name,
      description: props.description ?? `CMV target ${props.name}`,
      code: Code.fromAsset(props.source),
      handler: props.handler,
      runtime: props.runtime ?? Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: props.environment,
    });
    this.alias = new Alias(this, 'Alias', { aliasName, version: this.function.currentVersion });

    const period = props.alarmPeriod ?? Duration.minutes(1);
    const minimumRequests = props.minimumRequests ?? 5;
    const threshold = props.errorRatePercent ?? 5;
    const rate = new MathExpression({
      expression: `IF(invocations >= ${minimumRequests}, 100 * errors / invocations, 0)`,
      usingMetrics: {
        errors: this.alias.metricErrors({ period, statistic: 'Sum' }),
        invocations: this.alias.metricInvocations({ period, statistic: 'Sum' }),
      },
      label: 'Error rate (%)',
      period,
    });
    this.alarm = new Alarm(this, 'ErrorRate', {
      alarmName: `cmv-${props.name}-${aliasName}-error-rate`,
      alarmDescription: `Error rate of ${props.name}:${aliasName} (all versions) above ${threshold}% (CMV standing guard)`,
      metric: rate,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      datapointsToAlarm: props.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.canaryAlarmName = errorRateAlarmName(props.name);

    Validations.of(this.function).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_22_REASON });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: XRAY_REASON });
  }

  /** The Lambda function's name. */
  get functionName(): string {
    return this.function.functionName;
  }

  /** The canary alarm's ARN (exact: one name per target). */
  get canaryAlarmArn(): string {
    return Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: this.canaryAlarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  /** Allows reading the alias (lambda:GetAlias). */
  grantReadAlias(grantee: IGrantable): Grant {
    return allow(grantee, ['lambda:GetAlias'], [this.function.functionArn, this.alias.functionArn]);
  }

  /** Allows moving the alias between versions with weights (GetAlias, UpdateAlias). */
  grantShiftTraffic(grantee: IGrantable): Grant {
    return allow(grantee, ['lambda:GetAlias', 'lambda:UpdateAlias'], [this.function.functionArn, this.alias.functionArn]);
  }

  /** Allows uploading code and configuration and publishing a version, waiting for updates in between. */
  grantPublish(grantee: IGrantable): Grant {
    return allow(
      grantee,
      ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration', 'lambda:PublishVersion'],
      [this.function.functionArn],
    );
  }

  /** Allows creating or updating the canary alarm (cloudwatch:PutMetricAlarm). */
  grantArmAlarm(grantee: IGrantable): Grant {
    return allow(grantee, ['cloudwatch:PutMetricAlarm'], [this.canaryAlarmArn]);
  }

  /** Allows reading the canary alarm's state (cloudwatch:DescribeAlarms with AlarmNames; metric alarms only need the alarm's ARN). */
  grantReadAlarm(grantee: IGrantable): Grant {
    return allow(grantee, ['cloudwatch:DescribeAlarms'], [this.canaryAlarmArn]);
  }

  /** Allows invoking the alias only (not $LATEST or a version), as live traffic does. */
  grantInvokeAlias(grantee: IGrantable): Grant {
    return allow(grantee, ['lambda:InvokeFunction'], [this.alias.functionArn]);
  }

  /**
   * Allows retiring old versions (`retireVersions`): lambda:ListVersionsByFunction on the function,
   * lambda:DeleteFunction on its qualified ARNs only (`<function ARN>:*`), so the function itself
   * cannot be deleted. Version numbers are not known in advance, hence the wildcard; it also matches
   * the alias ARN, but DeleteFunction with an alias qualifier is refused by Lambda (aliases need
   * lambda:DeleteAlias, not granted), and so is deleting a version an alias routes to.
   */
  grantRetireVersions(grantee: IGrantable): Grant {
    allow(grantee, ['lambda:ListVersionsByFunction'], [this.function.functionArn]);
    const logicalId = Stack.of(this).resolve((this.function.node.defaultChild as CfnFunction).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>:*`,
      `lambda:DeleteFunction on the published versions of target ${this.name}'s function only (qualified ARNs): CMV retires versions beyond the target's retention, whose numbers Lambda assigns at publish time. The unqualified function ARN is not matched, so the function cannot be deleted.`,
    );
    return allow(grantee, ['lambda:DeleteFunction'], [`${this.function.functionArn}:*`]);
  }

  /** Everything a deployment does to this target: publish, shift the alias, arm and read the canary alarm. */
  grantDeploy(grantee: IGrantable): void {
    this.grantPublish(grantee);
    this.grantShiftTraffic(grantee);
    this.grantArmAlarm(grantee);
    this.grantReadAlarm(grantee);
  }
}
