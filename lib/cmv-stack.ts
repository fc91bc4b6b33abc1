import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnOutput, Duration, FileSystem, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { LambdaApplication } from 'aws-cdk-lib/aws-codedeploy';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type DeploymentConfig, deploymentConfigDocument } from '../lambdas/adapters/deployment-config';
import { CHANGES_TABLE, IDEMPOTENCY_TABLE, LEDGER_TABLE } from '../lambdas/adapters/tables';
import { AWS_API_ROUTES, type AwsApiHandlerName } from '../lambdas/handlers/api/routes';
import { ALARM_STATE_CHANGE_PATTERN, codeDeployStateChangePattern, DIGEST_AFTER_DEPLOYMENT_PATTERN } from '../lambdas/handlers/events/patterns';
import { WORKFLOW_FUNCTIONS, type WorkflowHandlerName, type WorkflowPlaceholder } from '../lambdas/handlers/workflow/registry';
import { ArtifactBucket } from './constructs/artifact-bucket';
import { ChangeTestProject } from './constructs/change-test-project';
import { CmvApi } from './constructs/cmv-api';
import { CmvEvents } from './constructs/cmv-events';
import { CmvFunction } from './constructs/cmv-function';
import { CmvTables } from './constructs/cmv-tables';
import { CmvUserPool } from './constructs/cmv-user-pool';
import { CmvWakes } from './constructs/cmv-wakes';
import { CmvWorkflow } from './constructs/cmv-workflow';
import { CodeSigning } from './constructs/code-signing';
import { DigestBucket } from './constructs/digest-bucket';
import { acknowledgeWildcardResource, allow, allowKeyVia, KEY_DECRYPT, KEY_ENCRYPT_DECRYPT } from './constructs/grants';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { RegisteredTarget } from './constructs/registered-target';
import { REPO_ROOT, repoPath } from './constructs/repo';
import { UserDirectorySync } from './constructs/user-directory-sync';
import { readDeploymentConfig } from './deployment-config-files';

/** Properties of the {@link CmvStack}. */
export interface CmvStackProps extends StackProps {
  /**
   * The users file (`{"users": [{id, name, email, roles}]}`): the directory the Lambdas read from
   * the deployment's config document, and what `UserDirectorySync` makes of the Cognito users, their
   * groups and the approvers' e-mail subscriptions at each deploy. Thousands of users are fine.
   * @default - the context value `cmvUsersFile` (relative to the working directory); else no users
   */
  readonly usersFile?: string;
  /**
   * The `target.json` files of the services CMV deploys to (relative to the repository root). Each
   * becomes a {@link RegisteredTarget}; the deploy functions may touch these functions only.
   * @default - the context value `cmvTargetFiles` (comma-separated, relative to the working directory); else ['examples/benefit-calculator/target.json']
   */
  readonly targetFiles?: readonly string[];
  /**
   * The change-control policy file (YAML or JSON), validated at synth; the Lambdas read it from the deployment's config document.
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
 * - `config:read` GetObject of the deployment's config document (users and policy),
 * - `targets:*` the registered target functions (alias read/shift, publish, invoke a version or the alias; `warm`: put and read a
 *   version's provisioned concurrency, `release-warm`: delete it), `alarms:*` their canary alarms.
 * - `wakes:schedule` one-time schedules in the wake group, and passing their role (CmvWakes).
 * - `digests:*` ListBucket/GetObject and PutObject of digests in the digest bucket, `digest-key:*` KMS Sign and GetPublicKey of the digest key.
 * - `bundle-key:sign` KMS Sign with the bundle key (signs versions' manifests), `bundle-key:public` its GetPublicKey (verifies them).
 * - `code:sign` AWS Signer jobs of CMV's signing profile (StartSigningJob, DescribeSigningJob) and what they read and write with the caller's access (CodeSigning).
 * - `idempotency:records` the Idempotency table (Get/Put/Update/DeleteItem of `Idempotency-Key` records) and its name (IDEMPOTENCY_TABLE).
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
  | 'config:read'
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
  | 'targets:warm'
  | 'targets:release-warm'
  | 'metrics:read'
  | 'codedeploy:create'
  | 'codedeploy:read'
  | 'codedeploy:stop'
  | 'wakes:schedule'
  | 'digests:read'
  | 'digests:write'
  | 'digest-key:sign'
  | 'digest-key:public'
  | 'bundle-key:sign'
  | 'bundle-key:public'
  | 'code:sign'
  | 'idempotency:records';

/** A state change and its ledger entry in one transaction (`recordChange` → `DynamoChangeStore.commit`). */
const COMMIT: readonly Capability[] = ['store:read', 'store:write', 'ledger:append'];

/** Least privilege, per handler module. */
const CAPABILITIES: Readonly<Record<AwsApiHandlerName | WorkflowHandlerName, readonly Capability[]>> = {
  'propose-change': [...COMMIT, 'artifacts:read', 'artifacts:write', 'workflow:start', 'config:read', 'idempotency:records'],
  'list-changes': ['store:read'],
  'get-change': ['store:read'],
  'get-report': ['store:read'],
  // The change, its entries and the chain between, its test report, the digests and the key's public half; never Sign: a pack proves to existing digests.
  // Each download is a read of the audit trail: its AuditQueried entry is appended (chain audit-reads).
  'get-evidence': ['store:read', 'ledger:read', 'ledger:append', 'artifacts:read', 'digests:read', 'digest-key:public'],
  'decide-approval': [...COMMIT, 'workflow:respond', 'idempotency:records'],
  'record-review': COMMIT,
  // abort: the rollback releases what a blue-green deployment warmed.
  'control-deployment': [
    ...COMMIT,
    'targets:read-alias',
    'targets:shift',
    'targets:release-warm',
    'workflow:respond',
    'codedeploy:read',
    'codedeploy:stop',
    'idempotency:records',
  ],
  // The same artifact read back (its SHA-256 checked) and written under the next target; the source target's alarms (health).
  'advance-change': [
    ...COMMIT,
    'artifacts:read',
    'artifacts:write',
    'alarms:read',
    'workflow:start',
    'config:read',
    'idempotency:records',
    'bundle-key:public',
  ],
  'list-targets': ['store:read'],
  // Signs the first version's bundle (its manifest in the artifact bucket).
  'register-target': [...COMMIT, 'artifacts:read', 'artifacts:write', 'targets:read-alias', 'targets:describe', 'bundle-key:sign'],
  'get-target': ['store:read', 'targets:read-alias'],
  'list-versions': ['store:read'],
  'get-release-notes': ['store:read'],
  // Verifies the version's bundle (its code and manifest, the bundle key's public half) before the alias moves.
  'activate-version': [...COMMIT, 'targets:shift', 'artifacts:read', 'bundle-key:public'],
  // Each read of the audit trail appends its AuditQueried entry (chain audit-reads) before it answers.
  'query-audit': ['ledger:read', 'ledger:append'],
  'verify-audit': ['ledger:read', 'ledger:append', 'digests:read', 'digest-key:public'],
  'create-digest': ['ledger:read', 'digests:read', 'digests:write', 'digest-key:sign'],
  // The registered targets (scope) and each change's plan (its review requirement); the ledger entries.
  'get-compliance-report': ['store:read', 'ledger:read', 'ledger:append'],
  'approval-page': [...COMMIT, 'artifacts:read', 'link-secret:read', 'workflow:respond', 'config:read'],
  // Signs the change's bundle: reads its code, stores the manifest, KMS Sign.
  'plan-change': [...COMMIT, 'artifacts:read', 'artifacts:write', 'bundle-key:sign'],
  'record-test-result': [...COMMIT, 'artifacts:read'],
  'request-approval': [...COMMIT, 'link-secret:read', 'approvals:notify', 'workflow:respond', 'config:read'],
  'schedule-deployment': [...COMMIT, 'config:read'],
  // Signs the version's code with AWS Signer before it publishes it (the targets' code signing configuration enforces).
  'start-deployment': [...COMMIT, 'artifacts:read', 'targets:publish', 'targets:read-alias', 'alarms:arm', 'bundle-key:public', 'code:sign'],
  'warm-up': [...COMMIT, 'targets:warm'],
  'shift-traffic': [...COMMIT, 'targets:shift'],
  'schedule-wake': ['store:read', 'store:write', 'workflow:respond', 'codedeploy:read', 'wakes:schedule'],
  'check-canary': [...COMMIT, 'alarms:read', 'metrics:read'],
  'await-resume': [...COMMIT, 'workflow:respond'],
  'run-smoke-tests': [...COMMIT, 'targets:invoke'],
  'create-code-deployment': [...COMMIT, 'codedeploy:create'],
  'follow-code-deployment': [...COMMIT, 'codedeploy:read', 'targets:read-alias', 'targets:shift', 'alarms:read', 'metrics:read'],
  // blue-green: after the bake, the old version's provisioned concurrency is released.
  'finalize-deployment': [...COMMIT, 'targets:read-alias', 'targets:shift', 'targets:release-warm'],
  // The target's ledger entries within its retention window (when each version was last live): the age rule.
  'retire-versions': [...COMMIT, 'ledger:read', 'targets:read-alias', 'targets:retire'],
  rollback: [...COMMIT, 'targets:shift', 'targets:release-warm'],
  'record-failure': [...COMMIT, 'targets:shift', 'targets:release-warm'],
};

/** Handlers that need more than the default 30 s / 512 MiB: they zip, unzip and publish code. */
const SIZING: Partial<Record<AwsApiHandlerName | WorkflowHandlerName, { readonly timeout: Duration; readonly memorySize: number }>> = {
  'propose-change': { timeout: Duration.seconds(29), memorySize: 1024 },
  'register-target': { timeout: Duration.minutes(2), memorySize: 1024 },
  'approval-page': { timeout: Duration.seconds(29), memorySize: 1024 },
  'start-deployment': { timeout: Duration.minutes(10), memorySize: 1024 },
};

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
  /** The key that signs versions' bundle manifests (Ed25519: ECC_NIST_EDWARDS25519, ED25519_SHA_512). */
  readonly bundleKey: Key;
  /** AWS Signer's profile and the Lambda code signing configuration every registered target enforces. */
  readonly codeSigning: CodeSigning;
  readonly digests: DigestBucket;
  readonly targets: readonly RegisteredTarget[];
  /** One function per handler module of the RestApi's routes (local-only routes have none). */
  readonly apiFunctions: Readonly<Record<AwsApiHandlerName, CmvFunction>>;
  readonly workflowFunctions: Readonly<Record<WorkflowPlaceholder, CmvFunction>>;
  /** CMV's own dashboard, alarms and operator topic. */
  readonly operations: OperationsDashboard;

  constructor(scope: Construct, id: string, props: CmvStackProps = {}) {
    super(scope, id, props);
    // Feature flags that `cdk init` would put in cdk.json, set here so that tests and the app
    // synthesize the same: S3 access logs delivered under a bucket policy (not the legacy
    // log-delivery ACL), and merged IAM statements (the per-capability grants repeat KMS statements).
    for (const flag of FEATURE_FLAGS) this.node.setContext(flag, true);

    // Validated at synth with the schemas the Lambdas use, so a bad users or policy file never deploys.
    const config = readDeploymentConfig({
      usersFile: contextPath(this, props.usersFile, 'cmvUsersFile'),
      policyFile: contextPath(this, props.policyFile, 'cmvPolicyFile'),
    });
    const configAsset = deploymentConfigAsset(this, config);
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
    // Versions' bundle manifests: a key of its own, so that the roles that sign bundles cannot sign digests and the other way round.
    // Ed25519 (ED25519_SHA_512). A key's spec cannot change in place (CloudFormation fails the update), so
    // this is a new key and alias, not the earlier P-256 'BundleKey', which is retained when it leaves the stack.
    this.bundleKey = new Key(this, 'BundleKeyEd25519', {
      description: 'CMV: signs the manifests of versions (code, config, version, change) (Ed25519)',
      keySpec: KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: KeyUsage.SIGN_VERIFY,
      alias: `alias/${this.stackName.toLowerCase()}-bundles-ed25519`,
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

    // One Publish per approver with `approver` = their address, and one subscription per approver
    // filtered to it (UserDirectorySync): each link reaches its owner only.
    const approvalTopic = new Topic(this, 'ApprovalTopic', { displayName: 'CMV approvals', masterKey: key, enforceSSL: true });
    const linkSecret = new Secret(this, 'LinkSecret', {
      description: 'CMV: HMAC key of the signed approval links',
      encryptionKey: key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(linkSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The HMAC key of approval links is rotated with put-secret-value (README, "Rotating the link secret"): links verify with the AWSCURRENT and the AWSPREVIOUS version, so links already e-mailed stay valid until they expire.',
    });

    const tests = new ChangeTestProject(this, 'ChangeTests', { artifacts: this.artifacts, encryptionKey: key });

    const userPool = new CmvUserPool(this, 'Users', { roles: config.policy.roles });
    new UserDirectorySync(this, 'UserSync', { userPool: userPool.userPool, approvalTopic, config: configAsset });

    const environment: Record<string, string> = {
      CHANGES_TABLE: this.tables.table(CHANGES_TABLE).tableName,
      LEDGER_TABLE: this.tables.table(LEDGER_TABLE).tableName,
      ARTIFACT_BUCKET: this.artifacts.bucketName,
      APPROVAL_TOPIC_ARN: approvalTopic.topicArn,
      LINK_SECRET_ARN: linkSecret.secretArn,
      CMV_CONFIG_S3_URI: configAsset.s3ObjectUrl,
      APPROVAL_LINK_TTL_SECONDS: String((props.approvalLinkTtl ?? Duration.hours(72)).toSeconds()),
      DIGEST_BUCKET: this.digests.bucketName,
      DIGEST_KEY_ID: this.digestKey.keyArn,
      BUNDLE_KEY_ID: this.bundleKey.keyArn,
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
    // The bakes' and CodeDeploy looks' one-time wake-ups (EventBridge Scheduler), scheduled by the wait step.
    const wakes = new CmvWakes(this, 'Wakes', { environment });
    for (const [name, value] of Object.entries(wakes.environment)) workflowFunctions.ScheduleWakeFunctionArn.addEnvironment(name, value);
    this.workflow = new CmvWorkflow(this, 'Workflow', {
      functions: lambdasOf(workflowFunctions),
      testProject: tests,
    });
    for (const fn of Object.values(apiFunctions)) {
      fn.addEnvironment('STATE_MACHINE_ARN', this.workflow.stateMachineArn).addEnvironment('API_BASE_URL', this.api.baseUrl);
    }

    this.targets = targetFilesOf(this, props.targetFiles).map((file) =>
      RegisteredTarget.fromTargetFile(this, `Target-${path.basename(path.dirname(file))}`, file),
    );
    // Lambda itself refuses code of a registered target that CMV's signing profile did not sign (or that was altered since).
    this.codeSigning = new CodeSigning(this, 'CodeSigning', { artifacts: this.artifacts });
    for (const t of this.targets) t.useCodeSigning(this.codeSigning.config, this.codeSigning.attachLogs);
    // Registration refuses a target these grants do not cover (its deploy steps would be denied).
    apiFunctions['register-target'].addEnvironment('CMV_STACK_TARGETS', JSON.stringify(this.targets.map((t) => t.registration)));

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
        case 'config:read':
          // The asset's one object (its key is its content hash); the bootstrap bucket's key lets any role of the account decrypt through S3.
          allow(fn, ['s3:GetObject'], [`arn:${this.partition}:s3:::${configAsset.s3BucketName}/${configAsset.s3ObjectKey}`]);
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
          this.onTargets(fn, (t) => t.grantReadAlias(fn));
          return;
        case 'targets:shift':
          this.onTargets(fn, (t) => t.grantShiftTraffic(fn));
          return;
        case 'targets:publish':
          this.onTargets(fn, (t) => t.grantPublish(fn));
          return;
        case 'targets:describe':
          this.onTargets(fn, (t) => t.grantDescribeVersions(fn));
          return;
        case 'targets:invoke':
          this.onTargets(fn, (t) => t.grantInvokeVersions(fn));
          return;
        case 'targets:retire':
          this.onTargets(fn, (t) => t.grantRetireVersions(fn));
          return;
        case 'targets:warm':
          this.onTargets(fn, (t) => t.grantWarmVersions(fn));
          return;
        case 'targets:release-warm':
          this.onTargets(fn, (t) => t.grantReleaseWarmVersions(fn));
          return;
        case 'alarms:arm':
          this.onTargets(fn, (t) => t.grantArmAlarm(fn));
          return;
        case 'alarms:read':
          this.onTargets(fn, (t) => t.grantReadAlarm(fn));
          return;
        case 'metrics:read':
          // A target in another account: its metrics are read through its deploy role.
          this.onTargets(fn, () => undefined);
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
        case 'wakes:schedule':
          wakes.grantScheduleWakes(fn);
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
        case 'bundle-key:sign':
          allow(fn, ['kms:Sign'], [this.bundleKey.keyArn]);
          return;
        case 'bundle-key:public':
          allow(fn, ['kms:GetPublicKey'], [this.bundleKey.keyArn]);
          return;
        case 'code:sign':
          this.codeSigning.grantSign(fn);
          return;
        case 'idempotency:records':
          this.tables.grantIdempotencyRecords(fn, IDEMPOTENCY_TABLE);
          fn.addEnvironment('IDEMPOTENCY_TABLE', this.tables.table(IDEMPOTENCY_TABLE).tableName);
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
    for (const capability of [
      'store:read',
      'store:write',
      'workflow:start',
      'workflow:respond',
      'targets:read-alias',
      'targets:shift',
      'targets:release-warm',
      'codedeploy:read',
      // Signs a registered version a crash left unsigned: reads its code, stores its manifest, signs, records BundleSigned.
      'ledger:append',
      'artifacts:read',
      'artifacts:write',
      'bundle-key:sign',
    ] as const)
      grant(sweeper, capability);
    // The sweep delivers a CodeDeploy wait whose deployment ended (GetDeployment), as the wake function does.
    for (const fn of [sweeper, wakes.function]) for (const [name, value] of Object.entries(codeDeployEnvironment)) fn.addEnvironment(name, value);
    for (const capability of ['store:read', 'store:write', 'workflow:respond', 'codedeploy:read'] as const) grant(wakes.function, capability);
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
    for (const capability of [
      ...COMMIT,
      'targets:read-alias',
      'targets:shift',
      'targets:release-warm',
      'workflow:respond',
      'codedeploy:read',
      'codedeploy:stop',
    ] as const)
      grant(alarmHandler, capability);
    for (const [name, value] of Object.entries(codeDeployEnvironment)) alarmHandler.addEnvironment(name, value);
    new Rule(this, 'AlarmStateChangeRule', {
      description: 'CMV: alarms cmv-* moving to ALARM → rollback of the deploying change',
      eventPattern: ALARM_STATE_CHANGE_PATTERN,
      targets: [new LambdaFunction(alarmHandler.function, { retryAttempts: 4 })],
    });

    // CodeDeploy followed by its events: a deployment of CMV's application ending wakes the workflow that follows it.
    const codeDeployHandler = new CmvFunction(new Construct(this, 'CodeDeployEventHandlers'), 'CodeDeployStateChange', {
      entry: 'lambdas/handlers/events/codedeploy-state-change.ts',
      description: "CMV: a CodeDeploy deployment of CMV's application ended: wakes the workflow that follows it",
      environment,
    });
    for (const capability of ['store:read', 'store:write', 'workflow:respond'] as const) grant(codeDeployHandler, capability);
    new Rule(this, 'CodeDeployStateChangeRule', {
      description: "CMV: CodeDeploy deployments of CMV's application ending (SUCCESS, FAILURE, STOP) → the workflow that follows them",
      eventPattern: codeDeployStateChangePattern(codeDeployApplication.applicationName),
      targets: [new LambdaFunction(codeDeployHandler.function, { retryAttempts: 4 })],
    });

    // CMV's events: every ledger entry → EventBridge (source cmv); a rollback also e-mails the people on the change.
    const events = new CmvEvents(this, 'Events', { ledger: this.tables.table(LEDGER_TABLE), encryptionKey: key, environment });
    for (const capability of ['store:read', 'approvals:notify', 'config:read'] as const) grant(events.publisher, capability);

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

    // CMV's own operations: a dashboard, and alarms to the operator topic (-c cmvOperatorEmail= subscribes an address).
    const functions: Record<string, IFunction> = {};
    for (const fn of this.node.findAll().filter((c): c is CmvFunction => c instanceof CmvFunction)) {
      const name = fn.entry.replace(/^lambdas\/handlers\//, '').replace(/\.ts$/, '');
      functions[functions[name] ? `${name} (${fn.node.id})` : name] = fn.function;
    }
    this.operations = new OperationsDashboard(this, 'Operations', {
      stateMachine: this.workflow.stateMachine,
      functions,
      digestFunction: digester.function,
      publisherDeadLetters: events.deadLetterQueue,
    });

    new CfnOutput(this, 'OperatorTopicArn', { value: this.operations.topic.topicArn, description: "Where CMV's own alarms go" });
    new CfnOutput(this, 'DigestBucketName', { value: this.digests.bucketName, description: 'Where the signed digests of the audit ledger are kept' });
    new CfnOutput(this, 'BundleKeyArn', {
      value: this.bundleKey.keyArn,
      description: "The key whose public key verifies versions' bundle manifests (kms get-public-key)",
    });
    new CfnOutput(this, 'DigestKeyArn', { value: this.digestKey.keyArn, description: 'The key whose public key verifies the digests (kms get-public-key)' });
    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'The REST API (stage URL)' });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: userPool.client.userPoolClientId, description: 'SRP sign-in client of the CLI' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachineArn });
    new CfnOutput(this, 'ArtifactBucketName', { value: this.artifacts.bucketName });
    new CfnOutput(this, 'ApprovalTopicArn', { value: approvalTopic.topicArn });
    new CfnOutput(this, 'TestProjectName', { value: tests.projectName });
  }

  /**
   * A target-side grant to `fn` on every target: `grantOwn` on a target in CMV's account; on one with
   * a deploy role, sts:AssumeRole on that role only (what it may do there is the role's own policy in
   * the target's account).
   */
  private onTargets(fn: CmvFunction, grantOwn: (t: RegisteredTarget) => void): void {
    for (const t of this.targets) {
      if (t.deployRoleArn) t.grantAssumeDeployRole(fn);
      else grantOwn(t);
    }
  }
}

/**
 * The absolute paths of the target files: the prop's (relative to the repository root), else the
 * context value `cmvTargetFiles` (comma-separated, relative to the working directory, as `cdk`'s
 * other paths), else the bundled example.
 * @throws Error naming `cmvTargetFiles` when it is not a string or names no file
 */
function targetFilesOf(stack: Stack, prop: readonly string[] | undefined): string[] {
  if (prop) return prop.map((f) => path.resolve(REPO_ROOT, f));
  const value: unknown = stack.node.tryGetContext('cmvTargetFiles');
  if (value === undefined || value === null) return [repoPath('examples', 'benefit-calculator', 'target.json')];
  const files =
    typeof value === 'string'
      ? value
          .split(',')
          .map((f) => f.trim())
          .filter((f) => f !== '')
      : [];
  if (files.length === 0) throw new Error(`cmvTargetFiles must name target.json files, comma-separated; got ${JSON.stringify(value)}`);
  return files.map((f) => path.resolve(f));
}

/**
 * A file named by a prop, else by a context value (`-c name=path`).
 * @throws Error when the context value is not a path
 */
function contextPath(stack: Stack, prop: string | undefined, contextKey: string): string | undefined {
  const value: unknown = prop ?? stack.node.tryGetContext(contextKey);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`${contextKey} must be a path, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The deployment's users and policy as one JSON file asset: `cdk deploy` uploads it to the bootstrap
 * bucket under its content hash, and the Lambdas read it from there (CMV_CONFIG_S3_URI) instead of
 * from their environment, which Lambda limits to 4 KB in all. New users or a new policy are a new
 * object and a new value of CMV_CONFIG_S3_URI: a config-only deploy.
 */
function deploymentConfigAsset(scope: Construct, config: DeploymentConfig): Asset {
  const { json, sha256 } = deploymentConfigDocument(config);
  const file = path.join(FileSystem.mkdtemp('cmv-config'), `${sha256}.json`);
  writeFileSync(file, json);
  return new Asset(scope, 'DeploymentConfig', { path: file });
}
