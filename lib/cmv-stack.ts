import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { LambdaApplication } from 'aws-cdk-lib/aws-codedeploy';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { parsePolicy } from '../lambdas/adapters/policy-file';
import { UsersFile } from '../lambdas/adapters/static-directory';
import { CHANGES_TABLE, LEDGER_TABLE } from '../lambdas/adapters/tables';
import type { User } from '../lambdas/core/ports';
import { AWS_API_ROUTES, type AwsApiHandlerName } from '../lambdas/handlers/api/routes';
import { ALARM_STATE_CHANGE_PATTERN, DIGEST_AFTER_DEPLOYMENT_PATTERN } from '../lambdas/handlers/events/patterns';
import { WORKFLOW_FUNCTIONS, type WorkflowHandlerName, type WorkflowPlaceholder } from '../lambdas/handlers/workflow/registry';
import { ArtifactBucket } from './constructs/artifact-bucket';
import { ChangeTestProject } from './constructs/change-test-project';
import { CmvApi } from './constructs/cmv-api';
import { CmvEvents } from './constructs/cmv-events';
import { CmvFunction } from './constructs/cmv-function';
import { CmvTables } from './constructs/cmv-tables';
import { CmvUserPool } from './constructs/cmv-user-pool';
import { CmvWorkflow } from './constructs/cmv-workflow';
import { DigestBucket } from './constructs/digest-bucket';
import { acknowledgeWildcardResource, allow, allowKeyVia, KEY_DECRYPT, KEY_ENCRYPT_DECRYPT } from './constructs/grants';
import { RegisteredTarget } from './constructs/registered-target';
import { repoPath } from './constructs/repo';

/** Properties of the {@link CmvStack}. */
export interface CmvStackProps extends StackProps {
  /**
   * The users file (`{"users": [{id, name, email, roles}]}`): the directory the Lambdas read as
   * CMV_USERS_JSON, the Cognito users and groups, and the approvers' e-mail subscriptions.
   * @default - the context value `cmvUsersFile` (relative to the working directory); else no users
   */
  readonly usersFile?: string;
  /**
   * The `target.json` files of the services CMV deploys to (relative to the repository root). Each
   * becomes a {@link RegisteredTarget}; the deploy functions may touch these functions only.
   * @default ['examples/benefit-calculator/target.json']
   */
  readonly targetFiles?: readonly string[];
  /**
   * The change-control policy file (YAML or JSON), validated at synth.
   * @default - the context value `cmvPolicyFile`; else CMV's built-in default policy
   */
  readonly policyFile?: string;
  /**
   * How long an approval link works.
   * @default Duration.hours(72)
   */
  readonly approvalLinkTtl?: Duration;
  /**
   * How long each signed digest of the audit ledger is locked (S3 Object Lock, compliance mode).
   * @default - the context value `cmvDigestRetentionDays`; else 7 years (2,555 days)
   */
  readonly digestRetention?: Duration;
  /**
   * How often the ledger is digested besides at each deployment's end.
   * @default Duration.minutes(15)
   */
  readonly digestInterval?: Duration;
}

/**
 * What app roles never do to the audit ledger, denied explicitly so that no later grant can allow
 * it: the app appends with PutItem (conditioned) and reads with GetItem and Query; it never updates
 * or deletes an item, writes in batches (unconditioned) or changes the table.
 */
export const LEDGER_DENIED_ACTIONS = [
  'dynamodb:DeleteItem',
  'dynamodb:UpdateItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLInsert',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:RestoreTableToPointInTime',
  'dynamodb:RestoreTableFromBackup',
  'dynamodb:ImportTable',
] as const;

/**
 * What one function may do. Each maps to named actions on named resources (see `grant()`), derived
 * from the adapter calls its handler makes:
 * - `store:*` the Changes table (GetItem/Query incl. indexes; PutItem),
 * - `ledger:append` the ledger head read and the PutItems of `DynamoChangeStore.commit`; `ledger:read` queries,
 * - `artifacts:*` GetObject/PutObject in the artifact bucket,
 * - `workflow:start` StartExecution, `workflow:respond` SendTaskSuccess/SendTaskFailure,
 * - `targets:*` the registered target functions (alias read/shift, publish, invoke), `alarms:*` their canary alarms,
 * - `digests:*` ListBucket/GetObject and PutObject of digests in the digest bucket, `digest-key:*` KMS Sign and GetPublicKey of the digest key.
 */
type Capability =
  | 'store:read'
  | 'store:write'
  | 'ledger:read'
  | 'ledger:append'
  | 'artifacts:read'
  | 'artifacts:write'
  | 'workflow:start'
  | 'workflow:respond'
  | 'link-secret:read'
  | 'approvals:notify'
  | 'targets:read-alias'
  | 'targets:shift'
  | 'targets:publish'
  | 'targets:describe'
  | 'targets:invoke'
  | 'alarms:arm'
  | 'alarms:read'
  | 'targets:retire'
  | 'metrics:read'
  | 'codedeploy:create'
  | 'codedeploy:read'
  | 'codedeploy:stop'
  | 'digests:read'
  | 'digests:write'
  | 'digest-key:sign'
  | 'digest-key:public';

/** A state change and its ledger entry in one transaction (`recordChange` → `DynamoChangeStore.commit`). */
const COMMIT: readonly Capability[] = ['store:read', 'store:write', 'ledger:append'];

/** Least privilege, per handler module. */
const CAPABILITIES: Readonly<Record<AwsApiHandlerName | WorkflowHandlerName, readonly Capability[]>> = {
  'propose-change': [...COMMIT, 'artifacts:read', 'artifacts:write', 'workflow:start'],
  'list-changes': ['store:read'],
  'get-change': ['store:read'],
  'get-report': ['store:read'],
  'decide-approval': [...COMMIT, 'workflow:respond'],
  'record-review': COMMIT,
  'control-deployment': [...COMMIT, 'targets:read-alias', 'targets:shift', 'workflow:respond', 'codedeploy:stop'],
  'list-targets': ['store:read'],
  'register-target': [...COMMIT, 'artifacts:read', 'artifacts:write', 'targets:read-alias', 'targets:describe'],
  'get-target': ['store:read', 'targets:read-alias'],
  'list-versions': ['store:read'],
  'activate-version': [...COMMIT, 'targets:shift'],
  'query-audit': ['ledger:read'],
  'verify-audit': ['ledger:read', 'digests:read', 'digest-key:public'],
  'create-digest': ['ledger:read', 'digests:read', 'digests:write', 'digest-key:sign'],
  'approval-page': [...COMMIT, 'artifacts:read', 'link-secret:read', 'workflow:respond'],
  'plan-change': COMMIT,
  'record-test-result': [...COMMIT, 'artifacts:read'],
  'request-approval': [...COMMIT, 'link-secret:read', 'approvals:notify', 'workflow:respond'],
  'schedule-deployment': COMMIT,
  'start-deployment': [...COMMIT, 'artifacts:read', 'targets:publish', 'targets:read-alias', 'alarms:arm'],
  'shift-traffic': [...COMMIT, 'targets:shift'],
  'check-canary': [...COMMIT, 'alarms:read', 'metrics:read'],
  'await-resume': [...COMMIT, 'workflow:respond'],
  'run-smoke-tests': [...COMMIT, 'targets:invoke'],
  'create-code-deployment': [...COMMIT, 'codedeploy:create'],
  'follow-code-deployment': [...COMMIT, 'codedeploy:read', 'targets:read-alias', 'targets:shift', 'alarms:read', 'metrics:read'],
  'finalize-deployment': [...COMMIT, 'targets:read-alias', 'targets:shift'],
  'retire-versions': [...COMMIT, 'targets:read-alias', 'targets:retire'],
  rollback: [...COMMIT, 'targets:shift'],
  'record-failure': [...COMMIT, 'targets:shift'],
};

/** Handlers that need more than the default 30 s / 512 MiB: they zip, unzip and publish code. */
const SIZING: Partial<Record<AwsApiHandlerName | WorkflowHandlerName, { readonly timeout: Duration; readonly memorySize: number }>> = {
  'propose-change': { timeout: Duration.seconds(29), memorySize: 1024 },
  'register-target': { timeout: Duration.minutes(2), memorySize: 1024 },
  'approval-page': { timeout: Duration.seconds(29), memorySize: 1024 },
  'start-deployment': { timeout: Duration.minutes(10), memorySize: 1024 },
};

/** Lambda allows 4 KB of environment variables in all; the users file is the only one that grows. */
const MAX_USERS_JSON_BYTES = 3072;

const FEATURE_FLAGS = ['@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', '@aws-cdk/aws-iam:minimizePolicies'] as const;

/** The Lambda functions of CmvFunctions, by the same keys. */
const lambdasOf = <K extends string>(functions: Readonly<Record<K, CmvFunction>>): Record<K, IFunction> =>
  Object.fromEntries(Object.entries<CmvFunction>(functions).map(([k, fn]) => [k, fn.function as IFunction])) as Record<K, IFunction>;

const pascal = (kebab: string) => kebab.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());

/**
 * CMV on AWS: the tables, the artifact bucket, the approval topic and link secret, the test
 * project, the user pool, the REST API with one function per handler module, the workflow
 * functions and the change-lifecycle state machine, and the registered targets.
 *
 * Dependency order (no cycles): the REST API resource has no dependencies, so the workflow functions
 * carry its invoke URL built from its id (`CmvApi.baseUrl`); the state machine depends on the
 * workflow functions; the API functions depend on the state machine (STATE_MACHINE_ARN, grants);
 * the API's methods and deployment depend on the API functions.
 */
export class CmvStack extends Stack {
  readonly api: CmvApi;
  readonly workflow: CmvWorkflow;
  readonly tables: CmvTables;
  readonly artifacts: ArtifactBucket;
  /** The key that signs ledger digests, and the Object Lock bucket that keeps them. */
  readonly digestKey: Key;
  readonly digests: DigestBucket;
  readonly targets: readonly RegisteredTarget[];
  /** One function per handler module of the RestApi's routes (local-only routes have none). */
  readonly apiFunctions: Readonly<Record<AwsApiHandlerName, CmvFunction>>;
  readonly workflowFunctions: Readonly<Record<WorkflowPlaceholder, CmvFunction>>;

  constructor(scope: Construct, id: string, props: CmvStackProps = {}) {
    super(scope, id, props);
    // Feature flags that `cdk init` would put in cdk.json, set here so that tests and the app
    // synthesize the same: S3 access logs delivered under a bucket policy (not the legacy
    // log-delivery ACL), and merged IAM statements (the per-capability grants repeat KMS statements).
    for (const flag of FEATURE_FLAGS) this.node.setContext(flag, true);

    const users = readUsers(props.usersFile ?? this.node.tryGetContext('cmvUsersFile'));
    const usersJson = JSON.stringify({ users });
    if (Buffer.byteLength(usersJson) > MAX_USERS_JSON_BYTES) {
      throw new Error(
        `the users file is ${Buffer.byteLength(usersJson)} bytes as JSON; Lambda environments hold 4 KB, so keep it under ${MAX_USERS_JSON_BYTES}`,
      );
    }

    const policyFile = props.policyFile ?? this.node.tryGetContext('cmvPolicyFile');
    // Validated at synth with the schema the Lambdas use, so a bad policy never deploys.
    const policyJson = policyFile ? JSON.stringify(parsePolicy(readFileSync(path.resolve(policyFile), 'utf8'), policyFile)) : undefined;
    const key = new Key(this, 'Key', {
      description: 'CMV: tables, artifacts, approval topic, link secret, test builds',
      enableKeyRotation: true,
      alias: `alias/${this.stackName.toLowerCase()}`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.tables = new CmvTables(this, 'Tables', { encryptionKey: key });
    this.artifacts = new ArtifactBucket(this, 'ArtifactBucket', { encryptionKey: key });
    // The signed digests of the ledger: an asymmetric key only Sign may use (no rotation: KMS has none for
    // asymmetric keys, and a verifier holds this public key), and a bucket nobody can rewrite.
    this.digestKey = new Key(this, 'DigestKey', {
      description: 'CMV: signs the digests of the audit ledger (ECDSA P-256)',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      alias: `alias/${this.stackName.toLowerCase()}-ledger-digests`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const retentionDays = this.node.tryGetContext('cmvDigestRetentionDays');
    this.digests = new DigestBucket(this, 'DigestBucket', {
      accessLogs: this.artifacts.accessLogs,
      retention: props.digestRetention ?? (retentionDays ? Duration.days(Number(retentionDays)) : undefined),
    });
    Validations.of(this.artifacts.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the artifact bucket; logging its own access would log the logs.',
    });

    const approvalTopic = new Topic(this, 'ApprovalTopic', { displayName: 'CMV approvals', masterKey: key, enforceSSL: true });
    for (const approver of users.filter((u) => u.roles.includes('approver'))) {
      // One Publish per approver with `approver` = their address: each link reaches its owner only.
      approvalTopic.addSubscription(
        new EmailSubscription(approver.email, { filterPolicy: { approver: SubscriptionFilter.stringFilter({ allowlist: [approver.email] }) } }),
      );
    }
    const linkSecret = new Secret(this, 'LinkSecret', {
      description: 'CMV: HMAC key of the signed approval links',
      encryptionKey: key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(linkSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The HMAC key of approval links has no rotation Lambda: rotating it invalidates every outstanding link (they live 72 h). Rotate by hand between approval rounds with put-secret-value.',
    });

    const tests = new ChangeTestProject(this, 'ChangeTests', { artifacts: this.artifacts, encryptionKey: key });

    const userPool = new CmvUserPool(this, 'Users', { users });

    const environment: Record<string, string> = {
      CHANGES_TABLE: this.tables.table(CHANGES_TABLE).tableName,
      LEDGER_TABLE: this.tables.table(LEDGER_TABLE).tableName,
      ARTIFACT_BUCKET: this.artifacts.bucketName,
      APPROVAL_TOPIC_ARN: approvalTopic.topicArn,
      LINK_SECRET_ARN: linkSecret.secretArn,
      CMV_USERS_JSON: usersJson,
      ...(policyJson ? { CMV_POLICY_JSON: policyJson } : {}),
      APPROVAL_LINK_TTL_SECONDS: String((props.approvalLinkTtl ?? Duration.hours(72)).toSeconds()),
      DIGEST_BUCKET: this.digests.bucketName,
      DIGEST_KEY_ID: this.digestKey.keyArn,
    };

    const apiScope = new Construct(this, 'ApiHandlers');
    const apiFunctions = {} as Record<AwsApiHandlerName, CmvFunction>;
    for (const route of AWS_API_ROUTES) {
      apiFunctions[route.handler] ??= new CmvFunction(apiScope, pascal(route.handler), {
        entry: `lambdas/handlers/api/${route.handler}.ts`,
        description: `CMV API ${route.method} ${route.path}`,
        environment,
        ...SIZING[route.handler],
      });
    }
    this.apiFunctions = apiFunctions;
    this.api = new CmvApi(this, 'Api', { handlers: lambdasOf(apiFunctions), userPool: userPool.userPool });

    const workflowScope = new Construct(this, 'WorkflowHandlers');
    const workflowFunctions = {} as Record<WorkflowPlaceholder, CmvFunction>;
    for (const [placeholder, handler] of Object.entries(WORKFLOW_FUNCTIONS) as [WorkflowPlaceholder, WorkflowHandlerName][]) {
      workflowFunctions[placeholder] = new CmvFunction(workflowScope, pascal(handler), {
        entry: `lambdas/handlers/workflow/${handler}.ts`,
        description: `CMV workflow task ${placeholder.replace(/FunctionArn$/, '')}`,
        environment: { ...environment, API_BASE_URL: this.api.baseUrl },
        timeout: Duration.minutes(1),
        ...SIZING[handler],
      });
    }
    this.workflowFunctions = workflowFunctions;
    this.workflow = new CmvWorkflow(this, 'Workflow', {
      functions: lambdasOf(workflowFunctions),
      testProject: tests,
    });
    for (const fn of Object.values(apiFunctions)) {
      fn.addEnvironment('STATE_MACHINE_ARN', this.workflow.stateMachineArn).addEnvironment('API_BASE_URL', this.api.baseUrl);
    }

    this.targets = (props.targetFiles ?? ['examples/benefit-calculator/target.json']).map((file) =>
      RegisteredTarget.fromTargetFile(this, `Target-${path.basename(path.dirname(file))}`, repoPath(file)),
    );

    // The codedeploy strategy: one CodeDeploy application, a deployment group per target, and CMV's
    // smoke tests as the lifecycle hooks of every deployment.
    const codeDeployApplication = new LambdaApplication(this, 'CodeDeployApplication');
    const hookScope = new Construct(this, 'CodeDeployHooks');
    const hookFunction = (id: string, file: string, description: string) =>
      new CmvFunction(hookScope, id, { entry: `lambdas/handlers/hooks/${file}.ts`, description, environment, timeout: Duration.minutes(5) });
    const hooks = {
      beforeAllowTraffic: hookFunction(
        'BeforeAllowTraffic',
        'before-allow-traffic',
        'CMV: CodeDeploy BeforeAllowTraffic hook, the smoke tests on the new version',
      ),
      afterAllowTraffic: hookFunction('AfterAllowTraffic', 'after-allow-traffic', 'CMV: CodeDeploy AfterAllowTraffic hook, the smoke tests through the alias'),
    };
    for (const t of this.targets)
      t.addDeploymentGroup(codeDeployApplication, {
        beforeAllowTraffic: hooks.beforeAllowTraffic.function,
        afterAllowTraffic: hooks.afterAllowTraffic.function,
      });
    const codeDeployEnvironment = {
      CODEDEPLOY_APPLICATION: codeDeployApplication.applicationName,
      CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK: hooks.beforeAllowTraffic.function.functionName,
      CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK: hooks.afterAllowTraffic.function.functionName,
    };
    for (const fn of [...Object.values(workflowFunctions), ...Object.values(apiFunctions)]) {
      for (const [name, value] of Object.entries(codeDeployEnvironment)) fn.addEnvironment(name, value);
    }
    // The hooks report to CodeDeploy; they name no hook (their own name would be a cycle).
    for (const hook of Object.values(hooks)) hook.addEnvironment('CODEDEPLOY_APPLICATION', codeDeployApplication.applicationName);

    const grant = (fn: CmvFunction, capability: Capability): void => {
      switch (capability) {
        case 'store:read':
          this.tables.grantReadItems(fn, CHANGES_TABLE);
          return;
        case 'store:write':
          this.tables.grantPutItems(fn, CHANGES_TABLE);
          return;
        case 'ledger:read':
          this.tables.grantReadItems(fn, LEDGER_TABLE);
          return;
        case 'ledger:append':
          this.tables.grantGetItems(fn, LEDGER_TABLE);
          this.tables.grantPutItems(fn, LEDGER_TABLE);
          return;
        case 'artifacts:read':
          this.artifacts.grantReadObjects(fn);
          return;
        case 'artifacts:write':
          this.artifacts.grantPutObjects(fn);
          return;
        case 'workflow:start':
          this.workflow.grantStartExecution(fn);
          return;
        case 'workflow:respond':
          this.workflow.grantTaskResponse(fn);
          return;
        case 'link-secret:read':
          allowKeyVia(fn, key, 'secretsmanager', KEY_DECRYPT);
          allow(fn, ['secretsmanager:GetSecretValue'], [linkSecret.secretArn]);
          return;
        case 'approvals:notify':
          allowKeyVia(fn, key, 'sns', KEY_ENCRYPT_DECRYPT);
          allow(fn, ['sns:Publish'], [approvalTopic.topicArn]);
          return;
        case 'targets:read-alias':
          for (const t of this.targets) t.grantReadAlias(fn);
          return;
        case 'targets:shift':
          for (const t of this.targets) t.grantShiftTraffic(fn);
          return;
        case 'targets:publish':
          for (const t of this.targets) t.grantPublish(fn);
          return;
        case 'targets:describe':
          for (const t of this.targets) t.grantDescribeVersions(fn);
          return;
        case 'targets:invoke':
          for (const t of this.targets) t.grantInvokeAlias(fn);
          return;
        case 'targets:retire':
          for (const t of this.targets) t.grantRetireVersions(fn);
          return;
        case 'alarms:arm':
          for (const t of this.targets) t.grantArmAlarm(fn);
          return;
        case 'alarms:read':
          for (const t of this.targets) t.grantReadAlarm(fn);
          return;
        case 'metrics:read':
          // cloudwatch:GetMetricData has no resource-level permissions (IAM service authorization reference).
          allow(fn, ['cloudwatch:GetMetricData'], ['*']);
          acknowledgeWildcardResource(fn, '*', "cloudwatch:GetMetricData has no resource-level permissions; it reads the canary step's Lambda metrics only.");
          return;
        case 'codedeploy:create':
          for (const t of this.targets) t.grantCreateDeployment(fn);
          return;
        case 'codedeploy:read':
          for (const t of this.targets) t.grantReadDeployments(fn);
          return;
        case 'codedeploy:stop':
          for (const t of this.targets) t.grantStopDeployments(fn);
          return;
        case 'digests:read':
          this.digests.grantReadDigests(fn);
          return;
        case 'digests:write':
          this.digests.grantPutDigests(fn);
          return;
        case 'digest-key:sign':
          allow(fn, ['kms:Sign'], [this.digestKey.keyArn]);
          return;
        case 'digest-key:public':
          allow(fn, ['kms:GetPublicKey'], [this.digestKey.keyArn]);
          return;
      }
    };
    for (const [handler, fn] of Object.entries(apiFunctions) as [AwsApiHandlerName, CmvFunction][]) {
      for (const capability of CAPABILITIES[handler]) grant(fn, capability);
    }
    for (const [placeholder, fn] of Object.entries(workflowFunctions) as [WorkflowPlaceholder, CmvFunction][]) {
      for (const capability of CAPABILITIES[WORKFLOW_FUNCTIONS[placeholder]]) grant(fn, capability);
    }

    for (const hook of Object.values(hooks)) {
      for (const capability of [...COMMIT, 'targets:invoke', 'codedeploy:read'] as const) grant(hook, capability);
    }

    // Every 5 minutes: the policy's approval timeout, then the reconciler (aliases and workflow waits back in step with the records).
    const sweeper = new CmvFunction(new Construct(this, 'ScheduledHandlers'), 'Sweep', {
      entry: 'lambdas/handlers/scheduled/sweep.ts',
      description: 'CMV: expires approvals past the policy timeout and reconciles aliases and workflow waits with the records',
      environment: { ...environment, STATE_MACHINE_ARN: this.workflow.stateMachineArn },
      timeout: Duration.minutes(2),
    });
    for (const capability of ['store:read', 'store:write', 'workflow:start', 'workflow:respond', 'targets:read-alias', 'targets:shift'] as const)
      grant(sweeper, capability);
    new Rule(this, 'SweepSchedule', {
      description: 'CMV: expire approvals past the change-control policy timeout; reconcile aliases and workflow waits',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(sweeper.function)],
    });

    // Event-driven rollback: a CMV alarm moving to ALARM rolls the deploying change back at once.
    const alarmHandler = new CmvFunction(new Construct(this, 'EventHandlers'), 'AlarmStateChange', {
      entry: 'lambdas/handlers/events/alarm-state-change.ts',
      description: 'CMV: rolls back the deploying change when an alarm guarding it goes to ALARM',
      environment: { ...environment, STATE_MACHINE_ARN: this.workflow.stateMachineArn },
    });
    for (const capability of [...COMMIT, 'targets:read-alias', 'targets:shift', 'workflow:respond', 'codedeploy:stop'] as const)
      grant(alarmHandler, capability);
    for (const [name, value] of Object.entries(codeDeployEnvironment)) alarmHandler.addEnvironment(name, value);
    new Rule(this, 'AlarmStateChangeRule', {
      description: 'CMV: alarms cmv-* moving to ALARM → rollback of the deploying change',
      eventPattern: ALARM_STATE_CHANGE_PATTERN,
      targets: [new LambdaFunction(alarmHandler.function, { retryAttempts: 4 })],
    });

    // CMV's events: every ledger entry → EventBridge (source cmv); a rollback also e-mails the people on the change.
    const events = new CmvEvents(this, 'Events', { ledger: this.tables.table(LEDGER_TABLE), encryptionKey: key, environment });
    for (const capability of ['store:read', 'approvals:notify'] as const) grant(events.publisher, capability);

    // Signed digests of the ledger: every `digestInterval`, and when a deployment ends (CMV's own events).
    const digester = new CmvFunction(new Construct(this, 'DigestHandlers'), 'MakeDigest', {
      entry: 'lambdas/handlers/scheduled/make-digest.ts',
      description: 'CMV: signs a digest of the audit ledger (every chain head, Merkle root) and stores it in the Object Lock bucket',
      environment,
    });
    for (const capability of ['ledger:read', 'digests:read', 'digests:write', 'digest-key:sign'] as const) grant(digester, capability);
    new Rule(this, 'DigestSchedule', {
      description: 'CMV: a signed digest of the audit ledger',
      schedule: Schedule.rate(props.digestInterval ?? Duration.minutes(15)),
      targets: [new LambdaFunction(digester.function)],
    });
    new Rule(this, 'DigestAfterDeployment', {
      description: 'CMV: a signed digest of the audit ledger when a deployment ends',
      eventPattern: { source: DIGEST_AFTER_DEPLOYMENT_PATTERN.source, detailType: DIGEST_AFTER_DEPLOYMENT_PATTERN['detail-type'] },
      targets: [new LambdaFunction(digester.function, { retryAttempts: 4 })],
    });

    // The ledger is append-only for every function of CMV: explicit denies no grant can override.
    const ledgerTable = this.tables.table(LEDGER_TABLE);
    for (const fn of this.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction)) {
      fn.function.addToRolePolicy(
        new PolicyStatement({
          sid: 'LedgerIsAppendOnly',
          effect: Effect.DENY,
          actions: [...LEDGER_DENIED_ACTIONS],
          resources: [ledgerTable.tableArn, `${ledgerTable.tableArn}/index/*`],
        }),
      );
    }

    new CfnOutput(this, 'DigestBucketName', { value: this.digests.bucketName, description: 'Where the signed digests of the audit ledger are kept' });
    new CfnOutput(this, 'DigestKeyArn', { value: this.digestKey.keyArn, description: 'The key whose public key verifies the digests (kms get-public-key)' });
    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'The REST API (stage URL)' });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: userPool.client.userPoolClientId, description: 'SRP sign-in client of the CLI' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachineArn });
    new CfnOutput(this, 'ArtifactBucketName', { value: this.artifacts.bucketName });
    new CfnOutput(this, 'ApprovalTopicArn', { value: approvalTopic.topicArn });
    new CfnOutput(this, 'TestProjectName', { value: tests.projectName });
  }
}

/**
 * The users of a users file, validated with the schema the Lambdas use.
 * @throws Error naming the file when it cannot be read or does not match the schema
 */
function readUsers(file: unknown): User[] {
  if (file === undefined || file === null || file === '') return [];
  if (typeof file !== 'string') throw new Error(`cmvUsersFile must be a path, got ${JSON.stringify(file)}`);
  const parsed = UsersFile.safeParse(JSON.parse(readFileSync(path.resolve(file), 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a users file: ${parsed.error.message}`);
  return parsed.data.users;
}
