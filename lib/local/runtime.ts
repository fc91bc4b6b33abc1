import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  GetFunctionCodeSigningConfigCommand,
  PutFunctionCodeSigningConfigCommand,
} from '@aws-sdk/client-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { z } from 'zod';
import type { AwsClient } from '../../lambdas/adapters/aws-client';
import { type DeploymentConfig, deploymentConfigDocument } from '../../lambdas/adapters/deployment-config';
import { documentClient } from '../../lambdas/adapters/dynamo';
import { CHANGES_TABLE, IDEMPOTENCY_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/tables';
import { errorRateAlarmName } from '../../lambdas/core/alarm-definitions';
import { unzipSource, zipSource } from '../../lambdas/core/artifact';
import { CODE_SIGNING_SIGNED_PREFIX } from '../../lambdas/core/code-signing';
import type { ArtifactStore, CodeDeployments } from '../../lambdas/core/ports';
import { registerTarget } from '../../lambdas/core/use-cases/register-target';
import type { Services } from '../../lambdas/core/use-cases/services';
import { API_ROUTES, isLocalOnly } from '../../lambdas/handlers/api/routes';
import { cloudWatchAlarms, cloudWatchMetrics } from '../../lambdas/handlers/aws/cloudwatch';
import { codeDeployDeployments } from '../../lambdas/handlers/aws/codedeploy';
import { eventBridgeBus } from '../../lambdas/handlers/aws/eventbridge';
import { kmsBundleSigner, kmsDigestSigner } from '../../lambdas/handlers/aws/kms';
import { lambdaFunctions } from '../../lambdas/handlers/aws/lambda';
import { s3Artifacts, s3DeploymentConfig } from '../../lambdas/handlers/aws/s3';
import { s3DigestStore } from '../../lambdas/handlers/aws/s3-digests';
import { eventBridgeWakes } from '../../lambdas/handlers/aws/scheduler';
import { signerCodeSigner } from '../../lambdas/handlers/aws/signer';
import { snsNotifier } from '../../lambdas/handlers/aws/sns';
import { stepFunctionsWorkflow } from '../../lambdas/handlers/aws/step-functions';
import { buildServices, type ResourceNames, type ServicePorts, targetPortsOn } from '../../lambdas/handlers/build-services';
import { makeHandler as makeAlarmHandler } from '../../lambdas/handlers/events/alarm-state-change';
import { makeHandler as makeCodeDeployHandler } from '../../lambdas/handlers/events/codedeploy-state-change';
import { ALARM_STATE_CHANGE_PATTERN, codeDeployStateChangePattern, DIGEST_AFTER_DEPLOYMENT_PATTERN } from '../../lambdas/handlers/events/patterns';
import { makeHandler as makeLedgerPublisher } from '../../lambdas/handlers/events/publish-ledger';
import { makeHandler as makeDigestHandler } from '../../lambdas/handlers/scheduled/make-digest';
import { makeHandler as makeSweepHandler } from '../../lambdas/handlers/scheduled/sweep';
import { makeHandler as makeWakeDueHandler } from '../../lambdas/handlers/scheduled/wake-due';
import { STATE_MACHINE_FILE, WORKFLOW_FUNCTIONS } from '../../lambdas/handlers/workflow/registry';
import { readTargetRegistration } from '../client/target-registration';
import { deployRolePolicy } from '../deploy-role-policy';
import { readDeploymentConfig } from '../deployment-config-files';
import { migrateLegacyLedger } from '../ledger-migration';
import { type LocalApiHandler, startApiServer } from './api-server';
import { LOCAL_AWS, LOCAL_NAMES, localArn } from './aws-names';
import { LocalCloudWatch } from './cloudwatch';
import { LocalCodeBuild } from './codebuild';
import { LocalCodeDeploy, provisionDeploymentGroup } from './codedeploy';
import { localDeployRoles } from './deploy-roles';
import { ensureTables, externalDynamo, type LocalDynamo, startDynamoDbLocal } from './dynamodb';
import { LocalEventBridge } from './eventbridge';
import { CrashPoints } from './faults';
import { type Denial, IamCheck, type IamMode } from './iam/iam-check';
import { loadRolePolicies } from './iam/policy-cache';
import { LocalKms } from './kms';
import { LocalLambda } from './lambda';
import { LedgerStreamPoller } from './ledger-stream';
import { LocalS3 } from './s3';
import { LocalScheduler } from './scheduler';
import { LocalSigner } from './signer';
import { LocalSns } from './sns';
import { LocalStepFunctions, type LocalTask } from './step-functions';
import { readStoreFile, type StoreLog, writeStoreFile } from './store-file';
import { type LocalRoleSession, LocalSts } from './sts';

// The SDK's notice that releases after January 2027 need Node 22 is about upgrades, not this run: the lock file pins the SDK.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Repository root (this file is lib/local/runtime.ts). */
export const ROOT = resolve(__dirname, '..', '..');

const ARTIFACT_BUCKET = LOCAL_NAMES.artifactBucket;
/** Stands in for the CDK bootstrap's file-assets bucket, where the deployment's config document is published. */
const ASSETS_BUCKET = 'cdk-assets';
/** The local ledger table (per-target chains), and the one of the global chain before them. */
export const LOCAL_LEDGER_TABLE = LOCAL_NAMES.tables.AuditChains;
/** The append-only stand-in of the digest bucket (S3 Object Lock), and the local digest key. */
export const LOCAL_DIGEST_BUCKET = LOCAL_NAMES.digestBucket;
const LOCAL_DIGEST_KEY_ARN = localArn.key(LOCAL_NAMES.digestKey);
/** The local bundle key: a second key of the KMS stand-in, as the CDK stack makes a second KMS key. */
const LOCAL_BUNDLE_KEY_ARN = localArn.key(LOCAL_NAMES.bundleKey);
const LEGACY_LOCAL_LEDGER_TABLE = 'cmv-audit-ledger';
/** The link secret as {@link secretFile} writes it: 32 random bytes, base64url (43 characters). */
const LinkSecret = z.string().regex(/^[A-Za-z0-9_-]{43,}$/, 'expected at least 43 base64url characters');
const TEST_PROJECT = 'cmv-change-tests';
/** CMV's CodeDeploy application and its lifecycle-hook functions, as the CDK stack names them. */
const CODEDEPLOY = {
  application: LOCAL_NAMES.codeDeployApplication,
  hooks: { beforeAllowTraffic: 'cmv-before-allow-traffic', afterAllowTraffic: 'cmv-after-allow-traffic' },
} as const;
/** Where the workflow's wake-ups are scheduled, as the CDK stack names them: the group, the function they invoke, its role. */
const WAKES = {
  groupName: LOCAL_NAMES.wakeScheduleGroup,
  functionArn: localArn.function(LOCAL_NAMES.wakeFunction),
  roleArn: localArn.role(LOCAL_NAMES.wakeSchedulerRole),
} as const;
/** Every port of the services, wired as in AWS, each on its stand-in here (no `linkKeys`: the local key is a file). */
const LOCAL_PORTS: ServicePorts = {
  workflow: stepFunctionsWorkflow,
  wakes: eventBridgeWakes,
  artifacts: s3Artifacts,
  functions: lambdaFunctions,
  alarms: cloudWatchAlarms,
  metrics: cloudWatchMetrics,
  codeDeploy: codeDeployDeployments,
  notifier: snsNotifier,
  events: eventBridgeBus,
  digests: s3DigestStore,
  signer: kmsDigestSigner,
  bundleSigner: kmsBundleSigner,
  codeSigner: signerCodeSigner,
  config: s3DeploymentConfig,
};
const HOOK_MODULES: Readonly<Record<string, string>> = {
  [CODEDEPLOY.hooks.beforeAllowTraffic]: 'before-allow-traffic',
  [CODEDEPLOY.hooks.afterAllowTraffic]: 'after-allow-traffic',
};

/** Options of the local runtime. */
export interface LocalRuntimeOptions {
  /** Where state lives (DynamoDB Local files, artifacts, functions, executions, outbox). */
  readonly dataDir: string;
  /** API port; 0 picks a free one. */
  readonly port: number;
  /** Divides bake times and alarm periods (60: a minute lasts a second). @default 1 */
  readonly speed?: number;
  /** Users and roles. @default examples/users.json */
  readonly usersFile?: string;
  /** target.json files registered at start when not yet registered. @default the bundled example */
  readonly targets?: readonly string[];
  /**
   * target.json files the stack deploys besides `targets`, whose functions are not registered at start
   * (a test creates the function and registers it through the API, as a platform team does after
   * `cdk deploy`): the IAM check's policies grant on them as the stack would.
   * @default - none
   */
  readonly stackTargets?: readonly string[];
  /** A change-control policy file (YAML or JSON). @default the built-in default policy */
  readonly policyFile?: string;
  /**
   * The only directory `file://` artifacts of API requests (change requests, target registrations)
   * are read from, symlinks resolved; never the data dir. The target.json files of `targets` may
   * name sources elsewhere (the operator chose them).
   * @default the repository's examples/ directory
   */
  readonly sourceRoot?: string;
  /** Keep DynamoDB in memory instead of `dataDir` (tests). @default false */
  readonly inMemory?: boolean;
  /**
   * Use the DynamoDB (Local) already listening at this URL instead of starting one; it is not
   * stopped with the runtime (crash tests: the database outlives the runtime, as in AWS).
   * @default - start DynamoDB Local
   */
  readonly dynamoEndpoint?: string;
  /**
   * The access key id to use with `dynamoEndpoint`: on a DynamoDB Local started without `sharedDb`
   * each key id has its own tables (the test suite shares one instance this way). @default local
   */
  readonly dynamoNamespace?: string;
  /**
   * How often a signed digest of the ledger is made, in ms of real time (AWS: every 15 minutes); 0:
   * never by schedule (a deployment's end and POST /audit/digests still make one).
   * @default 900000 / speed
   */
  readonly digestEveryMs?: number;
  /** Crash points (`CMV_CRASH_AT`, see {@link CrashPoints}): the process kills itself with SIGKILL at the first one reached. @default - none */
  readonly crashAt?: string;
  /**
   * The IAM check (lib/local/iam): each handler's AWS calls authorized against its role's policy in the
   * synthesized stack (with `targets`), as AWS would — `enforce` fails a call its role does not allow
   * with the error AWS sends, `report` only logs and records it, `off` checks nothing.
   * `policiesFile` reads the policies from a file instead of the cache (CMV_IAM_POLICIES); `tolerate` lets known defects through, reported.
   * @default { mode: 'enforce' }
   */
  readonly iam?: {
    readonly mode: IamMode | 'off';
    readonly policiesFile?: string;
    readonly tolerate?: (denial: Pick<Denial, 'entry' | 'action' | 'resource'>) => boolean;
  };
  /**
   * The deploy roles of the local model's target accounts (a target's `deployRoleArn`): each with the
   * permissions on its target that the README documents (lib/deploy-role-policy.ts). AssumeRole of any
   * other role is refused (AccessDenied), as AWS refuses a role that does not exist.
   * @default - none
   */
  readonly deployRoles?: readonly { readonly roleArn: string; readonly target: { readonly name: string; readonly functionName: string } }[];
  readonly log?: (line: string) => void;
}

/** A running local CMV. */
export interface LocalRuntime {
  readonly url: string;
  readonly dataDir: string;
  readonly outbox: string;
  readonly services: Services;
  readonly sfn: LocalStepFunctions;
  readonly sns: LocalSns;
  readonly cloudwatch: LocalCloudWatch;
  /** The default event bus: CMV's events and the alarms' state changes (`<dataDir>/events/events.jsonl`). */
  readonly events: LocalEventBridge;
  /** The ledger stream's consumer (publishes CMV's events); `drain()` waits until it caught up. */
  readonly ledgerStream: LedgerStreamPoller;
  readonly lambda: LocalLambda;
  readonly codeDeploy: LocalCodeDeploy;
  /** The local STS: the target accounts' deploy roles, and every AssumeRole it granted (`assumed`). */
  readonly sts: LocalSts;
  /** The IAM check, unless it is off: its `denials` are every call a role did not allow. */
  readonly iam?: IamCheck;
  /**
   * The services a handler module gets (its role's IAM check applied to each AWS call), e.g.
   * `servicesOf('lambdas/handlers/workflow/shift-traffic.ts')`; `services` is the runtime's own, unchecked.
   */
  servicesOf(entry: string): Services;
  /** EventBridge Scheduler: the one-time wake-ups of the workflow's bakes and CodeDeploy looks. */
  readonly scheduler: LocalScheduler;
  /** Client configuration of its DynamoDB Local (endpoint, region, credentials). */
  readonly dynamo: LocalDynamo['config'];
  stop(): Promise<void>;
}

/**
 * Starts CMV on this machine: DynamoDB Local, the stand-ins, the workflow interpreter on the real
 * ASL file, and the API — with the same handler modules as in AWS. Registers the example targets
 * on first start and resumes executions that were running when it last stopped.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => {});
  const dataDir = resolve(options.dataDir);
  const speed = options.speed ?? 1;
  const faults = new CrashPoints(options.crashAt);
  await mkdir(dataDir, { recursive: true });
  const dynamo: LocalDynamo = options.dynamoEndpoint
    ? externalDynamo(options.dynamoEndpoint, options.dynamoNamespace)
    : await startDynamoDbLocal(options.inMemory ? null : join(dataDir, 'dynamodb'));
  try {
    const tables = { changes: LOCAL_NAMES.tables.Changes, ledger: LOCAL_LEDGER_TABLE, idempotency: LOCAL_NAMES.tables.Idempotency };
    const raw = new DynamoDBClient(dynamo.config);
    await ensureTables(raw, [
      { name: tables.changes, definition: CHANGES_TABLE },
      { name: tables.ledger, definition: LEDGER_TABLE },
      { name: tables.idempotency, definition: IDEMPOTENCY_TABLE },
    ]);
    raw.destroy();

    // The artifact bucket is versioned, as the stack's: signing jobs sign an object version.
    const s3 = new LocalS3(join(dataDir, 's3'), { appendOnlyBuckets: [LOCAL_DIGEST_BUCKET], versionedBuckets: [ARTIFACT_BUCKET] });
    const signer = new LocalSigner(join(dataDir, 'signer'), s3, log);
    await signer.load();
    // As the stack's AWS::Signer::SigningProfile (five years' validity).
    const signingProfile = await signer.ensureProfile(LOCAL_NAMES.codeSigningProfile, 365 * 5);
    const kms = new LocalKms(join(dataDir, 'digest-key.pem'), LOCAL_DIGEST_KEY_ARN, log);
    await kms.load();
    const bundleKms = new LocalKms(
      join(dataDir, 'bundle-key.pem'),
      LOCAL_BUNDLE_KEY_ARN,
      log,
      'the local bundle signing key (versions signed before no longer verify: propose them again as changes)',
      'ECC_NIST_EDWARDS25519',
    );
    await bundleKms.load();
    const configUri = await publishDeploymentConfig(
      s3,
      readDeploymentConfig({ usersFile: options.usersFile ?? join(ROOT, 'examples', 'users.json'), policyFile: options.policyFile }),
    );
    const cloudwatch = new LocalCloudWatch(speed);
    const sts = new LocalSts((options.deployRoles ?? []).map(({ roleArn, target }) => ({ roleArn, statements: deployRolePolicy(target, LOCAL_AWS) })));
    const lambda = new LocalLambda(join(dataDir, 'lambda'), cloudwatch, log, speed, (arn) => signer.publicKeyOf(arn));
    const outbox = join(dataDir, 'outbox');
    const sns = new LocalSns(outbox, log);
    const events = new LocalEventBridge(join(dataDir, 'events'), log);
    const linkSecret = await secretFile(join(dataDir, 'link-secret'), log);
    const db = documentClient(dynamo.config);
    // A data dir from before per-target chains: its global chain becomes the chain `legacy` (once).
    try {
      const migrated = await migrateLegacyLedger(db, LEGACY_LOCAL_LEDGER_TABLE, tables.ledger);
      if (migrated.copied > 0) log(`ledger: copied ${migrated.copied} entries of the old global chain into the chain legacy`);
    } catch (err) {
      log(`ledger: the old global chain could not be copied (it stays in ${LEGACY_LOCAL_LEDGER_TABLE}): ${(err as Error).message}`);
    }
    const stateMachineArn = localArn.stateMachine(LOCAL_NAMES.stateMachine);
    const targetFiles = options.targets ?? [join(ROOT, 'examples', 'benefit-calculator', 'target.json')];

    let port = options.port;
    const hooks: Record<string, (event: unknown) => Promise<unknown>> = {};
    const codeDeploy = new LocalCodeDeploy({
      dir: join(dataDir, 'codedeploy'),
      lambda,
      cloudwatch,
      speed,
      log,
      // As CodeDeploy does: each deployment's state changes go to the default bus.
      onStateChange: (event) => events.emit(event),
      invokeHook: async (functionName, event) => {
        const hook = hooks[functionName];
        if (!hook) throw Object.assign(new Error(`Function not found: ${functionName}`), { name: 'ResourceNotFoundException' });
        await hook(event);
      },
    });
    await codeDeploy.load();
    const storeRef: { current?: Services['store'] } = {};
    // The CDK stack gives each registered target its deployment group; here the group is created the first time a change deploys with it.
    const localCodeDeploy = (codeDeployments: CodeDeployments): CodeDeployments => ({
      create: async (request) => {
        const target = await storeRef.current?.getTarget(request.deploymentGroup);
        if (target) {
          await provisionDeploymentGroup(codeDeploy, {
            application: CODEDEPLOY.application,
            deploymentGroup: target.name,
            deploymentConfig: target.codeDeploy.deploymentConfig,
            customConfigs: target.codeDeploy.customConfigs,
            // As the stack's group: the error-rate alarm; each deployment names the target's alarms.
            alarmNames: [errorRateAlarmName(target.name)],
          });
        }
        return codeDeployments.create(request);
      },
      get: (id) => codeDeployments.get(id),
      stop: (id) => codeDeployments.stop(id),
      putHookStatus: (id, hookId, status) => codeDeployments.putHookStatus(id, hookId, status),
    });
    const lambdas: Record<string, LocalTask> = {};
    const substitutions: Record<string, string> = { TestProjectName: TEST_PROJECT };
    const sfnRef: { current?: LocalStepFunctions } = {};
    const sfnClient: AwsClient = { send: (command) => (sfnRef.current as LocalStepFunctions).send(command) };
    // EventBridge Scheduler: the wake-ups of the workflow's timed waits invoke the wake function (registered below, by its ARN).
    const scheduledTargets: Record<string, (input: unknown) => Promise<unknown>> = {};
    const scheduler = new LocalScheduler({
      dir: join(dataDir, 'scheduler'),
      log,
      invoke: async (arn, input) => {
        const target = scheduledTargets[arn];
        if (!target) throw Object.assign(new Error(`Function not found: ${arn}`), { name: 'ResourceNotFoundException' });
        return target(input);
      },
    });
    await scheduler.send(new CreateScheduleGroupCommand({ Name: WAKES.groupName })).catch((err: Error) => {
      if (err.name !== 'ConflictException') throw err;
    });
    const iamMode = options.iam?.mode ?? 'enforce';
    const iam =
      iamMode === 'off'
        ? undefined
        : new IamCheck(await loadRolePolicies(ROOT, [...targetFiles, ...(options.stackTargets ?? [])], options.iam?.policiesFile), {
            mode: iamMode,
            tolerate: options.iam?.tolerate,
            log,
            lookups: {
              deploymentGroupOf: async (deploymentId) => {
                const out = (await codeDeploy.send(new GetDeploymentCommand({ deploymentId })).catch(() => undefined)) as
                  | { deploymentInfo?: { applicationName?: string; deploymentGroupName?: string } }
                  | undefined;
                const info = out?.deploymentInfo;
                return info ? { application: info.applicationName ?? '', deploymentGroup: info.deploymentGroupName ?? '' } : undefined;
              },
              // One state machine: every task token is one of its executions'.
              stateMachineOfTaskToken: async () => stateMachineArn,
            },
          });
    /** The names of the local resources, as the CDK stack names them in AWS. */
    const names: ResourceNames = {
      stateMachineArn,
      artifactBucket: ARTIFACT_BUCKET,
      artifactFiles: { root: options.sourceRoot ?? join(ROOT, 'examples'), denied: [dataDir] },
      configUri,
      approvalTopicArn: localArn.topic(LOCAL_NAMES.approvalTopic),
      eventBusName: 'default',
      digestBucket: LOCAL_DIGEST_BUCKET,
      digestKeyId: LOCAL_DIGEST_KEY_ARN,
      bundleKeyId: LOCAL_BUNDLE_KEY_ARN,
      wakes: WAKES,
      linkSecretArn: localArn.secret(LOCAL_NAMES.linkSecret),
      codeSigning: { profileName: LOCAL_NAMES.codeSigningProfile, signedPrefix: CODE_SIGNING_SIGNED_PREFIX },
    };
    /**
     * The services of a handler module: its AWS calls checked against its role (unless `entry` is
     * undefined: the runtime's own calls, and those of the local-only invoke route, which stands in for
     * the target's callers) and, with `crashPoints`, passing the crash points of its effects.
     */
    const servicesFor = (entry: string | undefined, crashPoints = true): Services => {
      const checked = (service: string, client: AwsClient): AwsClient => (iam && entry ? iam.client(entry, service, client) : client);
      const effects = (client: AwsClient): AwsClient => (crashPoints ? faults.client(client) : client);
      const authorizeLinkSecret = async () => {
        if (iam && entry) await iam.authorize(iam.role(entry), 'secretsmanager', 'GetSecretValue', { SecretId: names.linkSecretArn });
      };
      const s3Of = checked('s3', s3);
      // A target in another account: its function and alarms through its deploy role's session (the local STS).
      const asSession = (session: LocalRoleSession, service: string, client: AwsClient): AwsClient =>
        iam ? iam.sessionClient(session, service, client) : client;
      const deployRoles = localDeployRoles({
        sts,
        caller: iam && entry ? iam.role(entry).principalArn : `arn:aws:sts::${LOCAL_AWS.account}:assumed-role/cmv-local-runtime/local`,
        ...(iam && entry ? { authorize: (input: Record<string, unknown>) => iam.authorize(iam.role(entry), 'sts', 'AssumeRole', input) } : {}),
        clientsOf: (session) => ({
          functions: asSession(session, 'lambda', effects(lambda)),
          alarms: asSession(session, 'cloudwatch', cloudwatch),
          metrics: asSession(session, 'cloudwatch', cloudwatch),
        }),
        portsOn: (clients) => targetPortsOn(LOCAL_PORTS, clients, names),
      });
      const services = buildServices(
        LOCAL_PORTS,
        {
          db: checked('dynamodb', db),
          workflow: checked('states', effects(sfnClient)),
          wakes: checked('scheduler', effects(scheduler)),
          artifacts: s3Of,
          functions: checked('lambda', effects(lambda)),
          alarms: checked('cloudwatch', cloudwatch),
          metrics: checked('cloudwatch', cloudwatch),
          codeDeploy: checked('codedeploy', faults.client(codeDeploy)),
          notifier: checked('sns', sns),
          events: checked('events', events),
          digests: s3Of,
          signer: checked('kms', kms),
          bundleSigner: checked('kms', bundleKms),
          codeSigner: checked('signer', effects(signer)),
          // Read on the runtime's S3 client, not the handler's checked one: the config document's key is the asset hash
          // of the synthesized stack; test/infra/handler-ports.test.ts holds the handlers that read it to its grant.
          config: s3,
        },
        {
          tables,
          names,
          settings: {
            get apiBaseUrl() {
              return `http://127.0.0.1:${port}`;
            },
            // Locally the secret is a file and one key that never rotates (a new one is made only when the file is lost, and
            // then links e-mailed before are lost with it); in AWS it is a GetSecretValue, which the handler's role must allow.
            linkKeys: {
              signing: async () => {
                await authorizeLinkSecret();
                return linkSecret;
              },
              verifying: async () => {
                await authorizeLinkSecret();
                return [linkSecret];
              },
            },
            approvalLinkTtlSeconds: 72 * 3600,
            codeDeploy: CODEDEPLOY,
            // Bakes and CodeDeploy looks run on the workflow's clock, `speed` times the wall clock, as the Waits do.
            timeScale: speed,
          },
          deployRoles,
        },
      );
      // Locally only: each commit is a crash point, and a target's deployment group is created on its first CodeDeploy deployment.
      return { ...services, store: faults.store(services.store), codeDeploy: services.codeDeploy && localCodeDeploy(services.codeDeploy) };
    };
    const handlerServices = new Map<string, Services>();
    const servicesOf = (entry: string): Services => {
      if (iam) iam.role(entry);
      const existing = handlerServices.get(entry);
      if (existing) return existing;
      const created = servicesFor(entry);
      handlerServices.set(entry, created);
      return created;
    };
    const services = servicesFor(undefined);

    storeRef.current = services.store;
    for (const [functionName, module] of Object.entries(HOOK_MODULES)) {
      hooks[functionName] = (
        require(join(ROOT, 'lambdas', 'handlers', 'hooks', module)) as { makeHandler: (s: Services) => (e: unknown) => Promise<unknown> }
      ).makeHandler(servicesOf(`lambdas/handlers/hooks/${module}.ts`));
    }
    for (const [placeholder, name] of Object.entries(WORKFLOW_FUNCTIONS)) {
      const arn = localArn.function(`cmv-${name}`);
      substitutions[placeholder] = arn;
      const mod = require(join(ROOT, 'lambdas', 'handlers', 'workflow', name)) as { makeHandler: (s: Services) => LocalTask };
      lambdas[arn] = mod.makeHandler(servicesOf(`lambdas/handlers/workflow/${name}.ts`));
    }
    const codebuild = new LocalCodeBuild(services.artifacts, join(dataDir, 'builds'), { projects: [TEST_PROJECT] });
    const definitionText = (await readFile(join(ROOT, STATE_MACHINE_FILE), 'utf8')).replace(
      /\$\{(\w+)\}/g,
      (whole, key: string) => substitutions[key] ?? whole,
    );
    const sfn = new LocalStepFunctions({
      definition: JSON.parse(definitionText),
      stateMachineArn,
      lambdas,
      integrations: { 'arn:aws:states:::codebuild:startBuild.sync': (input) => codebuild.startBuildSync(input as never) },
      dir: join(dataDir, 'executions'),
      speed,
      log,
      onStateEntered: faults.any ? (state) => faults.reach(`state:${state}`) : undefined,
      // Beside the IAM policy cache: a definition validated once is not validated at each start.
      validatedDir: join(ROOT, 'node_modules', '.cache', 'cmv-asl'),
    });
    sfnRef.current = sfn;

    const handlers: Record<string, LocalApiHandler> = {};
    for (const route of API_ROUTES) {
      handlers[route.handler] ??= (
        require(join(ROOT, 'lambdas', 'handlers', 'api', route.handler)) as { makeHandler: (s: Services) => LocalApiHandler }
      ).makeHandler(isLocalOnly(route) ? services : servicesOf(`lambdas/handlers/api/${route.handler}.ts`));
    }
    const server: Server = await startApiServer(handlers, services.directory, { port, accessLogFile: join(dataDir, 'logs', 'api-access.jsonl') });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : port;

    await registerTargets(services, (root) => s3Artifacts.adapter(s3, { ...names, artifactFiles: { root, denied: [dataDir] } }), lambda, targetFiles, log);
    await enforceCodeSigning(lambda, targetFiles, signingProfile.profileVersionArn);
    const resumed = await sfn.resume();
    if (resumed) log(`resumed ${resumed} running execution(s)`);
    scheduledTargets[WAKES.functionArn] = makeWakeDueHandler(servicesOf('lambdas/handlers/scheduled/wake-due.ts'));
    // Schedules whose time passed while the runtime was down fire now, as the scheduler catches up.
    await scheduler.load();
    // The sweep, as the scheduled handler does every 5 minutes in AWS (scaled by the speed factor
    // here): the approval timeout, then the reconciler; it also runs once now, so whatever a crash
    // left out of step (an alias behind its record, a decision the workflow never heard) is put right at start.
    // Its AWS calls are no crash points (see CrashPoints): the sweep re-syncs every alias each run.
    const sweepEntry = 'lambdas/handlers/scheduled/sweep.ts';
    if (iam) iam.role(sweepEntry);
    const sweepHandler = makeSweepHandler(servicesFor(sweepEntry, false));
    // A schedule's event: the handlers read none of it.
    const scheduled = { source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} };
    // Timer-started work in progress (a sweep, a digest), awaited by stop(): none may outlive the runtime.
    const inFlight = new Set<Promise<unknown>>();
    const tracked = (work: Promise<unknown>) => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    };
    const runSweep = () =>
      tracked(
        sweepHandler(scheduled)
          .then((out) => {
            for (const id of out.expired) log(`⌛ approval of change ${id} expired`);
            for (const id of out.workflowsStarted) log(`↻  workflow of change ${id} started (its proposal's start never happened)`);
            for (const t of out.aliasesMoved) log(`↻  alias of ${t} moved to its recorded route`);
            for (const id of out.decisionsDelivered) log(`↻  approval outcome of change ${id} delivered to its workflow`);
            for (const id of out.resumed) log(`↻  the deploy wait of change ${id} delivered (its deadline passed, or its change needs the workflow)`);
            for (const v of out.bundlesSigned) log(`↻  bundle of ${v} signed (its registration's signing never happened)`);
            for (const f of out.failures) log(`reconciliation: ${f.what} failed: ${f.error}`);
          })
          .catch((err) => log(`sweep failed: ${(err as Error).message}`)),
      );
    await runSweep();
    const sweep = setInterval(runSweep, Math.max(200, 300_000 / speed));
    sweep.unref();
    // Event-driven rollback, as in AWS: CloudWatch evaluates the alarms continuously and puts each state
    // change on the default bus, where the rule of the CDK stack sends CMV's alarms going to ALARM to the alarm handler.
    const alarmHandler = makeAlarmHandler(servicesOf('lambdas/handlers/events/alarm-state-change.ts'));
    events.putRule('AlarmStateChangeRule', ALARM_STATE_CHANGE_PATTERN, async (event) => alarmHandler(event), 4);
    // A CodeDeploy deployment's end wakes the workflow that follows it, as the CDK stack's rule does.
    const codeDeployHandler = makeCodeDeployHandler(servicesOf('lambdas/handlers/events/codedeploy-state-change.ts'));
    events.putRule('CodeDeployStateChangeRule', codeDeployStateChangePattern(CODEDEPLOY.application), async (event) => codeDeployHandler(event), 4);
    cloudwatch.onStateChange((event) => events.emit(event));
    // Signed digests of the ledger, as the CDK stack's two rules make them: on a schedule, and when a deployment ends.
    const makeDigestNow = makeDigestHandler(servicesOf('lambdas/handlers/scheduled/make-digest.ts'));
    const digestHandler = async (event: unknown) => {
      const digest = await makeDigestNow(event);
      log(`ledger digest ${digest.seq} stored (${digest.digestHash})`);
      return digest;
    };
    const runDigest = () => tracked(digestHandler(scheduled).catch((err) => log(`ledger digest failed: ${(err as Error).message}`)));
    events.putRule('DigestAfterDeployment', DIGEST_AFTER_DEPLOYMENT_PATTERN, async (event) => digestHandler(event), 4);
    const digestEvery = options.digestEveryMs ?? 900_000 / speed;
    const digestTimer = digestEvery > 0 ? setInterval(runDigest, Math.max(200, digestEvery)) : undefined;
    digestTimer?.unref();
    cloudwatch.startEvaluating();
    // CMV's events: the ledger table's stream → the publisher → the bus (as the event source mapping does in AWS).
    const ledgerStream = new LedgerStreamPoller({
      dynamo: dynamo.config,
      tableName: tables.ledger,
      checkpointFile: join(dataDir, 'ledger-stream.json'),
      handler: makeLedgerPublisher(servicesOf('lambdas/handlers/events/publish-ledger.ts')),
      log,
    });
    await ledgerStream.start();

    return {
      url: `http://127.0.0.1:${port}`,
      dataDir,
      outbox,
      services,
      sfn,
      sns,
      cloudwatch,
      events,
      ledgerStream,
      lambda,
      codeDeploy,
      sts,
      iam,
      servicesOf,
      scheduler,
      dynamo: dynamo.config,
      // In order: no new work (timers, requests), the work in progress ends (a sweep or digest, the
      // executions' tasks, which may schedule wakes and publish events), then the services it used.
      stop: async () => {
        clearInterval(sweep);
        clearInterval(digestTimer);
        cloudwatch.stopEvaluating();
        // Requests in progress finish (a kept-alive connection left open is closed after a grace time).
        const closed = new Promise<void>((r) => server.close(() => r()));
        await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
        server.closeAllConnections();
        await Promise.allSettled([...inFlight]);
        await sfn.stop();
        await ledgerStream.stop();
        await events.settled();
        await scheduler.stop();
        await codeDeploy.stop();
        await lambda.stop();
        db.destroy();
        await dynamo.stop();
      },
    };
  } catch (err) {
    await dynamo.stop();
    throw err;
  }
}

/**
 * Registers each target.json not yet registered: creates its local function and alias, publishes the
 * initial version. Its source is read with `sourceStore(source)`, which may read that source only:
 * the operator chose these files, so they need not be under the API's source root.
 */
async function registerTargets(
  services: Services,
  sourceStore: (source: string) => ArtifactStore,
  lambda: LocalLambda,
  files: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  const regs = await Promise.all(
    files.map(async (file) => {
      const { registration, sourceDir, handler } = await readTargetRegistration(file, (dir) => pathToFileURL(dir).href);
      return { handler, sourcePath: sourceDir, reg: registration };
    }),
  );
  await lambda.load(regs.map((r) => r.reg.functionName));
  const admin = { id: 'cmv-local-runtime', name: 'CMV local runtime', email: '', roles: ['release_admin' as const] };
  for (const { handler, sourcePath, reg } of regs) {
    if (await services.store.getTarget(reg.name)) continue;
    // As the CDK stack deploys it: the function with its first version's code and config, the alias on that version.
    try {
      const zip = zipSource(unzipSource(await sourceStore(sourcePath).read(reg.artifact)));
      const created = (await lambda.send(
        new CreateFunctionCommand({
          FunctionName: reg.functionName,
          Handler: handler,
          Role: 'arn:aws:iam::000000000000:role/local',
          Code: { ZipFile: zip },
          Environment: { Variables: reg.config },
          Publish: true,
        }),
      )) as { Version: string };
      await lambda.send(new CreateAliasCommand({ FunctionName: reg.functionName, Name: reg.alias, FunctionVersion: created.Version }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceConflictException') throw err;
    }
    const target = await registerTarget({ ...services, artifacts: sourceStore(sourcePath) }, admin, reg);
    log(`registered target ${target.name} ${target.liveVersion} (function ${target.functionName}:${target.alias} → version ${target.liveFunctionVersion})`);
  }
}

/**
 * Gives each target function registered at start the code signing configuration the CDK stack
 * gives it after its first version (CodeSigning, RegisteredTarget.useCodeSigning): only code signed
 * by the local Signer's profile, unaltered and unexpired, is accepted from then on (Enforce).
 * A function that has one keeps it (a restart).
 */
async function enforceCodeSigning(lambda: LocalLambda, files: readonly string[], profileVersionArn: string): Promise<void> {
  let configArn: string | undefined;
  for (const file of files) {
    const { registration } = await readTargetRegistration(file, (dir) => pathToFileURL(dir).href);
    const current = (await lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: registration.functionName }))) as {
      CodeSigningConfigArn: string;
    };
    if (current.CodeSigningConfigArn) continue;
    configArn ??= (
      (await lambda.send(
        new CreateCodeSigningConfigCommand({
          AllowedPublishers: { SigningProfileVersionArns: [profileVersionArn] },
          CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
        }),
      )) as { CodeSigningConfig: { CodeSigningConfigArn: string } }
    ).CodeSigningConfig.CodeSigningConfigArn;
    await lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: registration.functionName, CodeSigningConfigArn: configArn }));
  }
}

/**
 * Writes the deployment's config document (users and policy) to S3 as `cdk deploy` publishes the
 * stack's asset of it: in the assets bucket, named by its SHA-256, never changed in place.
 * @returns its `s3://` URI, which the handlers read it from (CMV_CONFIG_S3_URI in AWS)
 */
async function publishDeploymentConfig(s3: LocalS3, config: DeploymentConfig): Promise<string> {
  const { json, sha256 } = deploymentConfigDocument(config);
  await s3.send(new PutObjectCommand({ Bucket: ASSETS_BUCKET, Key: `${sha256}.json`, Body: new TextEncoder().encode(json) }));
  return `s3://${ASSETS_BUCKET}/${sha256}.json`;
}

/**
 * Reads the approval-link HMAC secret, creating it (256 random bits, base64url) on first start. A
 * file that is not such a secret (emptied or cut short by a crash) is quarantined and reported, and a
 * new secret is made: approval links e-mailed before no longer verify.
 */
async function secretFile(path: string, log: StoreLog): Promise<string> {
  const saved = await readStoreFile(path, {
    parse: (text) => LinkSecret.parse(text.trim()),
    lost: 'the approval-link secret (links e-mailed before no longer work; a new secret is made)',
    log,
  });
  if (saved) return saved;
  const secret = randomBytes(32).toString('base64url');
  await writeStoreFile(path, secret, { mode: 0o600 });
  return secret;
}
