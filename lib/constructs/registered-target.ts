import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import {
  type ILambdaApplication,
  type ILambdaDeploymentConfig,
  LambdaDeploymentConfig,
  LambdaDeploymentGroup,
  TrafficRouting,
} from 'aws-cdk-lib/aws-codedeploy';
import { type Grant, type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Alias,
  Architecture,
  type CfnAlias,
  type CfnFunction,
  Code,
  type ICodeSigningConfig,
  type IFunction,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  Tracing,
  Version,
} from 'aws-cdk-lib/aws-lambda';
import { type ILogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { alarmNamePatternsFor, errorRateAlarmName } from '../../lambdas/core/alarm-definitions';
import { PREDEFINED_LAMBDA_CONFIGS, resolveDeploymentConfig } from '../../lambdas/core/deployment-config';
import { DeployRoleArn } from '../../lambdas/core/promotion';
import type { StackTarget } from '../../lambdas/core/target';
import { CodeDeploySettings } from '../../lambdas/core/target-settings';
import { NODE_22_REASON, XRAY_REASON } from './cmv-function';
import { acknowledgeWildcardResource, allow, nagResource } from './grants';
import { sourceZip } from './source-zip';

/** The id CDK gives the singleton function of every AwsCustomResource in a stack. */
export const AWS_CUSTOM_RESOURCE_SINGLETON = 'AWS679f53fac002430cb0da5b7982bd2287';

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
  /**
   * The codedeploy strategy's settings (target.json `codeDeploy`): the deployment group's default
   * config and the custom configs to create.
   * @default - CodeDeployDefault.LambdaCanary10Percent5Minutes, no custom configs
   */
  readonly codeDeploy?: Partial<CodeDeploySettings>;
  /**
   * The role CMV's handlers assume to act on this target in another AWS account
   * (`arn:aws:iam::<account>:role/<name>`): they are then granted sts:AssumeRole on it instead of
   * the calls on the function and alarms (see README "Targets in other accounts" for the role's
   * trust and permissions).
   * @default - none: the target is in CMV's account
   */
  readonly deployRoleArn?: string;
}

/** CodeDeploy's own Lambda configs, by full name. */
const PREDEFINED_CDK_CONFIGS: Readonly<Record<string, ILambdaDeploymentConfig>> = {
  'CodeDeployDefault.LambdaAllAtOnce': LambdaDeploymentConfig.ALL_AT_ONCE,
  'CodeDeployDefault.LambdaCanary10Percent5Minutes': LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  'CodeDeployDefault.LambdaCanary10Percent10Minutes': LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  'CodeDeployDefault.LambdaCanary10Percent15Minutes': LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  'CodeDeployDefault.LambdaCanary10Percent30Minutes': LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  'CodeDeployDefault.LambdaLinear10PercentEvery1Minute': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes': LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
};

/** The lifecycle-hook functions of CMV's CodeDeploy deployments (they run the smoke tests). */
export interface DeploymentHooks {
  readonly beforeAllowTraffic: IFunction;
  readonly afterAllowTraffic: IFunction;
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
  readonly codeDeploy?: Partial<CodeDeploySettings>;
  readonly deployRoleArn?: string;
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
 * `100 * errors / invocations`). CMV then publishes versions and shifts the alias itself; a later
 * stack update never moves the alias (see the constructor).
 *
 * The grants are scoped to this function, its alias and versions, and the canary alarms a
 * registration of this target may arm ({@link alarmNamePatternsFor}: by the target's name, not by
 * the alarms a target.json lists, which registration may change): no `function:*`, no `alarm:*`.
 * A registration must name this target's name, function and alias ({@link registration}).
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
      codeDeploy: t.codeDeploy,
      deployRoleArn: t.deployRoleArn,
    });
  }

  readonly name: string;
  readonly function: LambdaFunction;
  readonly alias: Alias;
  private readonly firstVersion: Version;
  /** The standing alarm on the alias (all versions); CDK owns it. */
  readonly alarm: Alarm;
  /** What POST /targets must name for the grants of this construct to cover the target: its name, function name, alias and deploy role. */
  readonly registration: StackTarget;
  /** The role CMV assumes to act on this target in another account (undefined: CMV's account). */
  readonly deployRoleArn?: string;
  /** The codedeploy strategy's settings, validated. */
  readonly codeDeploySettings: CodeDeploySettings;
  private group?: LambdaDeploymentGroup;
  private customConfigs: ILambdaDeploymentConfig[] = [];

  constructor(scope: Construct, id: string, props: RegisteredTargetProps) {
    super(scope, id);
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(props.name)) throw new Error(`target name must be lowercase letters, digits and dashes, got "${props.name}"`);
    this.name = props.name;
    if (props.deployRoleArn !== undefined) {
      const arn = DeployRoleArn.safeParse(props.deployRoleArn);
      if (!arn.success) throw new Error(`target ${props.name}: deployRoleArn ${arn.error.issues[0]?.message}, got "${props.deployRoleArn}"`);
      this.deployRoleArn = props.deployRoleArn;
    }
    this.codeDeploySettings = CodeDeploySettings.parse(props.codeDeploy ?? {});
    // Fails the synth on a config name that is neither CodeDeploy's nor one of the custom ones.
    resolveDeploymentConfig(this.codeDeploySettings.deploymentConfig, this.codeDeploySettings.customConfigs);
    const aliasName = props.aliasName ?? 'live';
    const logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention ?? RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `CMV target ${props.name}` });
    logGroup.grantWrite(role);
    this.function = new LambdaFunction(this, 'Function', {
      functionName: props.functionName ?? props.name,
      description: props.description ?? `CMV target ${props.name}`,
      // CMV's own deterministic zip: registration adopts this version only if it runs exactly the registered code.
      code: Code.fromAsset(sourceZip(props.source)),
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
    // CMV owns what is live once the target is registered. The alias names a version resource whose
    // properties never change (not `currentVersion`, whose logical id follows the code and config):
    // a later `cdk deploy` updates the function's $LATEST but finds nothing to do on the version or
    // the alias, so it never publishes and never moves production back to the stack's code. Keep
    // both as they are: a changed property of either would publish or move the alias. Retained: CMV
    // records it as the target's first version, which may be live or activated again.
    this.firstVersion = new Version(this, 'FirstVersion', { lambda: this.function, removalPolicy: RemovalPolicy.RETAIN });
    const firstVersion = this.firstVersion;
    this.alias = new Alias(this, 'Alias', { aliasName, version: firstVersion });

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
    this.registration = {
      name: props.name,
      functionName: props.functionName ?? props.name,
      alias: aliasName,
      ...(this.deployRoleArn ? { deployRoleArn: this.deployRoleArn } : {}),
    };

    Validations.of(this.function).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_22_REASON });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: XRAY_REASON });
  }

  /**
   * Gives the function the code signing configuration `config` once its first version is published
   * (PutFunctionCodeSigningConfig, a custom resource): the stack's own code is not signed, and
   * Lambda would refuse it on CreateFunction under an enforcing configuration. From then on Lambda
   * accepts only code the configuration allows — CMV's signed changes — so a later stack update that
   * changes the target's source fails: after registration, code reaches the target through CMV only.
   */
  useCodeSigning(config: ICodeSigningConfig, logGroup: ILogGroup): AwsCustomResource {
    const call = (action: string, parameters: Record<string, string>) => ({
      service: 'Lambda',
      action,
      parameters,
      physicalResourceId: PhysicalResourceId.of(`${this.name}-code-signing`),
    });
    const put = call('PutFunctionCodeSigningConfig', { FunctionName: this.function.functionName, CodeSigningConfigArn: config.codeSigningConfigArn });
    const attach = new AwsCustomResource(this, 'CodeSigning', {
      onCreate: put,
      onUpdate: put,
      onDelete: call('DeleteFunctionCodeSigningConfig', { FunctionName: this.function.functionName }),
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: ['lambda:PutFunctionCodeSigningConfig', 'lambda:DeleteFunctionCodeSigningConfig'],
          resources: [this.function.functionArn, config.codeSigningConfigArn],
        }),
      ]),
      installLatestAwsSdk: false,
      logGroup,
    });
    attach.node.addDependency(this.firstVersion);
    // The one function CDK runs every AwsCustomResource of the stack with.
    const singleton = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON);
    if (singleton)
      Validations.of(singleton).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's AwsCustomResource function logs with AWSLambdaBasicExecutionRole; its policy allows only Put/DeleteFunctionCodeSigningConfig on the targets.",
      });
    return attach;
  }

  /**
   * The target's CodeDeploy deployment group, named after the target (CMV creates the codedeploy
   * strategy's deployments in it): the target's default deployment config, its custom configs
   * (named as in target.json, so a change may name them), rollback on failure, on stop and on alarm,
   * and invoke rights on CMV's smoke-test hooks, which CMV's AppSpec names. Its own alarm list is the
   * error-rate alarm every target has: each CMV deployment names the registered target's alarms
   * (`overrideAlarmConfiguration`), so CodeDeploy watches what CMV armed, not what the stack was
   * given. The alias gets no `CodeDeployLambdaAliasUpdate` update policy (CDK's default): with it,
   * a stack update that touched the alias would run a CodeDeploy deployment through CMV's hooks,
   * which fail any deployment that is not a CMV change, and the stack would roll back.
   */
  addDeploymentGroup(application: ILambdaApplication, hooks: DeploymentHooks): LambdaDeploymentGroup {
    const settings = this.codeDeploySettings;
    this.customConfigs = settings.customConfigs.map(
      (c) =>
        new LambdaDeploymentConfig(this, `DeploymentConfig-${c.name}`, {
          deploymentConfigName: c.name,
          trafficRouting:
            c.type === 'canary'
              ? TrafficRouting.timeBasedCanary({ interval: Duration.minutes(c.intervalMinutes), percentage: c.percentage })
              : TrafficRouting.timeBasedLinear({ interval: Duration.minutes(c.intervalMinutes), percentage: c.percentage }),
        }),
    );
    const resolved = resolveDeploymentConfig(settings.deploymentConfig, settings.customConfigs);
    const deploymentConfig = resolved.predefined
      ? PREDEFINED_CDK_CONFIGS[resolved.name]
      : this.customConfigs[settings.customConfigs.findIndex((c) => c.name === resolved.name)];
    this.group = new LambdaDeploymentGroup(this, 'DeploymentGroup', {
      application,
      deploymentGroupName: this.name,
      alias: this.alias,
      deploymentConfig,
      alarms: [Alarm.fromAlarmName(this, 'CanaryAlarm', errorRateAlarmName(this.name))],
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      preHook: hooks.beforeAllowTraffic,
      postHook: hooks.afterAllowTraffic,
    });
    // LambdaDeploymentGroup always puts CodeDeployLambdaAliasUpdate on its alias; CMV owns the alias.
    (this.alias.node.defaultChild as CfnAlias).cfnOptions.updatePolicy = undefined;
    Validations.of(this.group.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
      reason:
        "CDK gives every LambdaDeploymentGroup's service role AWS's limited CodeDeploy policy for Lambda (alias update, alarm reads, its own SNS topics and S3 prefix), which CodeDeploy needs to shift traffic and watch alarms.",
    });
    for (const hook of Object.values(hooks)) {
      const logicalId = Stack.of(this).resolve(((hook as LambdaFunction).node.defaultChild as CfnFunction).logicalId);
      Validations.of(this.group.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: "CodeDeploy invokes CMV's lifecycle-hook functions with this role; CDK's grantInvoke covers the function and its qualified ARNs, nothing else.",
      });
    }
    return this.group;
  }

  /** The deployment group; throws before {@link addDeploymentGroup}. */
  get deploymentGroup(): LambdaDeploymentGroup {
    if (!this.group) throw new Error(`target ${this.name} has no deployment group: call addDeploymentGroup first`);
    return this.group;
  }

  /**
   * Allows creating a deployment in the target's group (codedeploy:CreateDeployment on the group),
   * with any of CodeDeploy's Lambda configs or the target's custom ones (GetDeploymentConfig), of
   * an AppSpecContent revision (Register/GetApplicationRevision on the application) — the
   * permissions the CodeDeploy user guide lists for CreateDeployment — naming the registered
   * target's alarms: CreateDeployment with `overrideAlarmConfiguration` also needs
   * codedeploy:UpdateDeploymentGroup (CodeDeploy API reference), on this group only. It cannot
   * change the group's service role (that needs iam:PassRole, not granted).
   */
  grantCreateDeployment(grantee: IGrantable): void {
    const group = this.deploymentGroup;
    allow(grantee, ['codedeploy:CreateDeployment'], [group.deploymentGroupArn]);
    allow(grantee, ['codedeploy:UpdateDeploymentGroup'], [group.deploymentGroupArn]);
    const stack = Stack.of(this);
    const configArn = (name: string) =>
      stack.formatArn({ service: 'codedeploy', resource: 'deploymentconfig', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    allow(
      grantee,
      ['codedeploy:GetDeploymentConfig'],
      [...Object.keys(PREDEFINED_LAMBDA_CONFIGS).map(configArn), ...this.customConfigs.map((c) => c.deploymentConfigArn)],
    );
    allow(grantee, ['codedeploy:RegisterApplicationRevision', 'codedeploy:GetApplicationRevision'], [group.application.applicationArn]);
  }

  /** Allows reading the group's deployments (codedeploy:GetDeployment). */
  grantReadDeployments(grantee: IGrantable): Grant {
    return allow(grantee, ['codedeploy:GetDeployment'], [this.deploymentGroup.deploymentGroupArn]);
  }

  /** Allows stopping the group's deployments (codedeploy:StopDeployment; CodeDeploy then rolls back). */
  grantStopDeployments(grantee: IGrantable): Grant {
    return allow(grantee, ['codedeploy:StopDeployment'], [this.deploymentGroup.deploymentGroupArn]);
  }

  /** The Lambda function's name. */
  get functionName(): string {
    return this.function.functionName;
  }

  /** The ARNs of every canary alarm a registration of this target may arm ({@link alarmNamePatternsFor}; custom ones by prefix). */
  get canaryAlarmArns(): string[] {
    return alarmNamePatternsFor(this.name).map((name) =>
      Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
    );
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

  /**
   * Allows reading what a published version runs (lambda:GetFunctionConfiguration with a version
   * qualifier: its CodeSha256 and environment), as registration checks before adopting the version
   * the alias serves. Version numbers are not known in advance, hence the qualified wildcard; read only.
   */
  grantDescribeVersions(grantee: IGrantable): Grant {
    const logicalId = Stack.of(this).resolve((this.function.node.defaultChild as CfnFunction).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>:*`,
      `lambda:GetFunctionConfiguration on the published versions of target ${this.name}'s function (qualified ARNs), read only: registration compares the code and config of the version its alias serves, whose number Lambda assigned.`,
    );
    return allow(grantee, ['lambda:GetFunctionConfiguration'], [this.function.functionArn, `${this.function.functionArn}:*`]);
  }

  /** Allows creating or updating the canary alarms (cloudwatch:PutMetricAlarm), custom ones by their prefix. */
  grantArmAlarm(grantee: IGrantable): Grant {
    this.acknowledgeCustomAlarms(grantee);
    return allow(grantee, ['cloudwatch:PutMetricAlarm'], this.canaryAlarmArns);
  }

  /** Allows reading the canary alarms' state (cloudwatch:DescribeAlarms with AlarmNames; metric alarms only need the alarm's ARN). */
  grantReadAlarm(grantee: IGrantable): Grant {
    this.acknowledgeCustomAlarms(grantee);
    return allow(grantee, ['cloudwatch:DescribeAlarms'], this.canaryAlarmArns);
  }

  private acknowledgeCustomAlarms(grantee: IGrantable): void {
    const custom = this.canaryAlarmArns[this.canaryAlarmArns.length - 1];
    acknowledgeWildcardResource(
      grantee,
      nagResource(this, custom),
      `the custom canary alarms of target ${this.name} (cmv-${this.name}-custom-<name>): a registration names them, after the stack was deployed.`,
    );
  }

  /**
   * Allows invoking the function's qualified ARNs (`<function ARN>:*`): the version being deployed,
   * as the smoke tests before traffic do (Invoke with `Qualifier` = its number), and the alias, as
   * they do after traffic. Lambda authorizes an invoke against the ARN it names: a grant on the alias
   * does not cover the version it routes to, nor one on a version another (Lambda developer guide,
   * "Using Lambda aliases in event sources and permissions policies"; "Fine-tuning the Resources and
   * Conditions sections of policies"). The version numbers are assigned at publish time, after the stack is deployed, so
   * no grant can name them; the alternative, a resource policy per version (lambda:AddPermission at
   * publish), would let the deploy step grant invoke to anyone. The unqualified ARN ($LATEST, the
   * code no change has published) is not matched.
   */
  grantInvokeVersions(grantee: IGrantable): Grant {
    const logicalId = Stack.of(this).resolve((this.function.node.defaultChild as CfnFunction).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>:*`,
      `lambda:InvokeFunction on the qualified ARNs of target ${this.name}'s function only: the smoke tests invoke the version being deployed by its number (assigned at publish time, so it cannot be named in advance) before traffic, and the alias after. The unqualified function ($LATEST) is not matched.`,
    );
    return allow(grantee, ['lambda:InvokeFunction'], [`${this.function.functionArn}:*`]);
  }

  /**
   * Allows retiring old versions (`retireVersions`): lambda:ListVersionsByFunction and ListAliases on the function,
   * lambda:DeleteFunction on its qualified ARNs only (`<function ARN>:*`), so the function itself
   * cannot be deleted. Version numbers are not known in advance, hence the wildcard; it also matches
   * the alias ARN, but DeleteFunction with an alias qualifier is refused by Lambda (aliases need
   * lambda:DeleteAlias, not granted), and so is deleting a version an alias routes to.
   */
  grantRetireVersions(grantee: IGrantable): Grant {
    allow(grantee, ['lambda:ListVersionsByFunction', 'lambda:ListAliases'], [this.function.functionArn]);
    const logicalId = Stack.of(this).resolve((this.function.node.defaultChild as CfnFunction).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>:*`,
      `lambda:DeleteFunction on the published versions of target ${this.name}'s function only (qualified ARNs): CMV retires versions beyond the target's retention, whose numbers Lambda assigns at publish time. The unqualified function ARN is not matched, so the function cannot be deleted.`,
    );
    return allow(grantee, ['lambda:DeleteFunction'], [`${this.function.functionArn}:*`]);
  }

  /**
   * Allows warming published versions (blue-green): lambda:PutProvisionedConcurrencyConfig and
   * GetProvisionedConcurrencyConfig on the function's qualified ARNs (`<function ARN>:*`): the new
   * version's number is assigned at publish time, hence the wildcard. Lambda refuses both on the
   * unqualified function ($LATEST), which is not matched anyway.
   */
  grantWarmVersions(grantee: IGrantable): Grant {
    this.acknowledgeQualified(
      grantee,
      'lambda:PutProvisionedConcurrencyConfig and GetProvisionedConcurrencyConfig',
      'a blue-green deployment warms the version it published',
    );
    return allow(grantee, ['lambda:PutProvisionedConcurrencyConfig', 'lambda:GetProvisionedConcurrencyConfig'], [`${this.function.functionArn}:*`]);
  }

  /**
   * Allows releasing published versions' provisioned concurrency (lambda:DeleteProvisionedConcurrencyConfig
   * on the qualified ARNs): what an ended blue-green deployment leaves warm (the old version once
   * deployed, the new one otherwise), whose numbers Lambda assigned at publish time.
   */
  grantReleaseWarmVersions(grantee: IGrantable): Grant {
    this.acknowledgeQualified(grantee, 'lambda:DeleteProvisionedConcurrencyConfig', 'an ended blue-green deployment releases what it left warm');
    return allow(grantee, ['lambda:DeleteProvisionedConcurrencyConfig'], [`${this.function.functionArn}:*`]);
  }

  private acknowledgeQualified(grantee: IGrantable, actions: string, why: string): void {
    const logicalId = Stack.of(this).resolve((this.function.node.defaultChild as CfnFunction).logicalId);
    acknowledgeWildcardResource(
      grantee,
      `<${logicalId}.Arn>:*`,
      `${actions} on the published versions of target ${this.name}'s function only (qualified ARNs): ${why}, and Lambda assigns version numbers at publish time. The unqualified function ARN is not matched.`,
    );
  }

  /**
   * Allows assuming the target's deploy role (sts:AssumeRole on its ARN only): the handlers acting on
   * a target in another account do so with that role's credentials.
   * @throws Error when the target has no deploy role
   */
  grantAssumeDeployRole(grantee: IGrantable): Grant {
    if (!this.deployRoleArn) throw new Error(`target ${this.name} has no deployRoleArn: grant on its function instead`);
    return allow(grantee, ['sts:AssumeRole'], [this.deployRoleArn]);
  }

  /** Everything a deployment does to this target: publish, shift the alias, arm and read the canary alarm. */
  grantDeploy(grantee: IGrantable): void {
    this.grantPublish(grantee);
    this.grantShiftTraffic(grantee);
    this.grantArmAlarm(grantee);
    this.grantReadAlarm(grantee);
  }
}
