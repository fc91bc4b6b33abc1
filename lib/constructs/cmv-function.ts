import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, type IPrincipal, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type ILayerVersion, LayerVersion, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { NODE_OPTIONS, nodejsBundling, POWERTOOLS_LAYER_PARAMETER } from './bundling';
import { repoPath } from './repo';

/** Why CMV's functions run nodejs22.x although a newer Node.js runtime exists (cdk-nag AwsSolutions-L1). */
export const NODE_22_REASON =
  'nodejs22.x on purpose: the handlers are bundled for node22, tested on Node 20/22 here, and the CodeBuild test image runs Node 22; nodejs22.x is supported by Lambda until 2027. Move all three together.';

/** Why a Lambda role has a `Resource: *` statement (cdk-nag AwsSolutions-IAM5). */
export const XRAY_REASON = 'Resource * only for X-Ray PutTraceSegments/PutTelemetryRecords (active tracing), which have no resource-level permissions.';

/** Properties of a {@link CmvFunction}. */
export interface CmvFunctionProps {
  /** The handler module, relative to the repository root; it exports `handler`. E.g. `lambdas/handlers/api/get-change.ts`. */
  readonly entry: string;
  /**
   * What the function does, shown in the console.
   * @default - the entry
   */
  readonly description?: string;
  /**
   * Environment variables (see `lambdas/handlers/aws-services.ts` and `lambdas/handlers/aws/` for what handlers read).
   * @default - only NODE_OPTIONS
   */
  readonly environment?: Record<string, string>;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MiB (CPU scales with it).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/**
 * A CMV handler as a Lambda function: Node 22 on ARM64, bundled locally with esbuild as
 * `bundling.ts` says (CommonJS, minified, a linked source map, the AWS SDK v3 left to the runtime
 * and Powertools to its layer; ≤ 250 kB each, see `npm run bench:bundles`), X-Ray active, JSON logs in its own log group with a
 * retention. Its role has no AWS managed policy: it may write to its log group, and everything else
 * is granted by name (see `grants.ts`).
 */
export class CmvFunction extends Construct implements IGrantable {
  readonly function: NodejsFunction;
  readonly role: Role;
  /** The handler module it runs, relative to the repository root (its props' `entry`): the local runtime runs that module under this role's policy. */
  readonly entry: string;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CmvFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      // Logs of an audit system outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `CMV ${id}: only what ${props.entry} calls`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: repoPath(props.entry),
      handler: 'handler',
      projectRoot: repoPath(),
      depsLockFilePath: repoPath('package-lock.json'),
      description: props.description ?? props.entry,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: { NODE_OPTIONS, ...props.environment },
      bundling: nodejsBundling(),
      layers: [powertoolsLayer(this)],
    });
    Validations.of(this.function).acknowledge({ id: 'AwsSolutions-L1', reason: NODE_22_REASON });
    Validations.of(this.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: XRAY_REASON });
  }

  get grantPrincipal(): IPrincipal {
    return this.role;
  }

  /** Adds an environment variable after construction (e.g. an ARN of a resource created later). */
  addEnvironment(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }
}

/**
 * The Powertools layer of the stack (one per stack, shared by its functions): its ARN resolved at
 * deploy time from the public SSM parameter of the installed version ({@link POWERTOOLS_LAYER_PARAMETER}).
 */
function powertoolsLayer(scope: Construct): ILayerVersion {
  const stack = Stack.of(scope);
  const id = 'PowertoolsLayer';
  return (
    (stack.node.tryFindChild(id) as ILayerVersion | undefined) ??
    LayerVersion.fromLayerVersionArn(stack, id, StringParameter.valueForStringParameter(stack, POWERTOOLS_LAYER_PARAMETER))
  );
}
