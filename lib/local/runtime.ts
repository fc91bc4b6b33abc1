import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { DynamoChangeStore } from '../../lambdas/adapters/change-store';
import { CloudWatchAlarmWatch } from '../../lambdas/adapters/cloudwatch-alarms';
import { CloudWatchMetricsReader } from '../../lambdas/adapters/cloudwatch-metrics';
import { CodeDeployDeployments } from '../../lambdas/adapters/codedeploy-deployments';
import { documentClient } from '../../lambdas/adapters/dynamo';
import { EventBridgeBus } from '../../lambdas/adapters/event-bridge';
import { KmsDigestSigner } from '../../lambdas/adapters/kms-signer';
import { LambdaFunctionHost } from '../../lambdas/adapters/lambda-functions';
import { DynamoLedgerReader } from '../../lambdas/adapters/ledger-reader';
import { parsePolicy } from '../../lambdas/adapters/policy-file';
import { S3ArtifactStore } from '../../lambdas/adapters/s3-artifacts';
import { S3DigestStore } from '../../lambdas/adapters/s3-digests';
import { SnsNotifier } from '../../lambdas/adapters/sns-notifier';
import { StaticDirectory } from '../../lambdas/adapters/static-directory';
import { StepFunctionsWorkflow } from '../../lambdas/adapters/step-functions';
import { CHANGES_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/tables';
import { alarmNamesFor } from '../../lambdas/core/alarm-definitions';
import { unzipSource, zipSource } from '../../lambdas/core/artifact';
import { DEFAULT_POLICY } from '../../lambdas/core/policy/default-policy';
import type { ArtifactStore, CodeDeployments } from '../../lambdas/core/ports';
import { registerTarget, TargetRegistration } from '../../lambdas/core/use-cases/register-target';
import type { Services } from '../../lambdas/core/use-cases/services';
import { API_ROUTES } from '../../lambdas/handlers/api/routes';
import { makeHandler as makeAlarmHandler } from '../../lambdas/handlers/events/alarm-state-change';
import { ALARM_STATE_CHANGE_PATTERN, DIGEST_AFTER_DEPLOYMENT_PATTERN } from '../../lambdas/handlers/events/patterns';
import { makeHandler as makeLedgerPublisher } from '../../lambdas/handlers/events/publish-ledger';
import { makeHandler as makeDigestHandler } from '../../lambdas/handlers/scheduled/make-digest';
import { makeHandler as makeSweepHandler } from '../../lambdas/handlers/scheduled/sweep';
import { STATE_MACHINE_FILE, WORKFLOW_FUNCTIONS } from '../../lambdas/handlers/workflow/registry';
import { migrateLegacyLedger } from '../ledger-migration';
import { type LocalApiHandler, startApiServer } from './api-server';
import { LocalCloudWatch } from './cloudwatch';
import { LocalCodeBuild } from './codebuild';
import { LocalCodeDeploy, provisionDeploymentGroup } from './codedeploy';
import { ensureTables, externalDynamo, type LocalDynamo, startDynamoDbLocal } from './dynamodb';
import { LocalEventBridge } from './eventbridge';
import { CrashPoints } from './faults';
import { LocalKms } from './kms';
import { LocalLambda } from './lambda';
import { LedgerStreamPoller } from './ledger-stream';
import { LocalS3 } from './s3';
import { LocalSns } from './sns';
import { LocalStepFunctions, type LocalTask } from './step-functions';
import { readStoreFile, type StoreLog, writeStoreFile } from './store-file';

// The SDK's notice that releases after January 2027 need Node 22 is about upgrades, not this run: the lock file pins the SDK.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Repository root (this file is lib/local/runtime.ts). */
export const ROOT = resolve(__dirname, '..', '..');

const ARTIFACT_BUCKET = 'cmv-artifacts';
/** The local ledger table (per-target chains), and the one of the global chain before them. */
export const LOCAL_LEDGER_TABLE = 'cmv-audit-chains';
/** The append-only stand-in of the digest bucket (S3 Object Lock), and the local digest key. */
export const LOCAL_DIGEST_BUCKET = 'cmv-digests';
const LOCAL_DIGEST_KEY_ARN = 'arn:aws:kms:local:000000000000:key/cmv-ledger-digests';
const LEGACY_LOCAL_LEDGER_TABLE = 'cmv-audit-ledger';
/** The link secret as {@link secretFile} writes it: 32 random bytes, base64url (43 characters). */
const LinkSecret = z.string().regex(/^[A-Za-z0-9_-]{43,}$/, 'expected at least 43 base64url characters');
const TEST_PROJECT = 'cmv-change-tests';
const ACCOUNT = 'arn:aws:lambda:local:000000000000:function';
/** CMV's CodeDeploy application and its lifecycle-hook functions, as the CDK stack names them. */
const CODEDEPLOY = {
  application: 'cmv',
  hooks: { beforeAllowTraffic: 'cmv-before-allow-traffic', afterAllowTraffic: 'cmv-after-allow-traffic' },
} as const;
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
    const tables = { changes: 'cmv-changes', ledger: LOCAL_LEDGER_TABLE };
    const raw = new DynamoDBClient(dynamo.config);
    await ensureTables(raw, [
      { name: tables.changes, definition: CHANGES_TABLE },
      { name: tables.ledger, definition: LEDGER_TABLE },
    ]);
    raw.destroy();

    const users = JSON.parse(await readFile(options.usersFile ?? join(ROOT, 'examples', 'users.json'), 'utf8'));
    const directory = new StaticDirectory(users);
    const policy = options.policyFile ? parsePolicy(await readFile(options.policyFile, 'utf8'), options.policyFile) : DEFAULT_POLICY;
    const s3 = new LocalS3(join(dataDir, 's3'), { appendOnlyBuckets: [LOCAL_DIGEST_BUCKET] });
    const kms = new LocalKms(join(dataDir, 'digest-key.pem'), LOCAL_DIGEST_KEY_ARN, log);
    await kms.load();
    const artifacts = new S3ArtifactStore(s3, ARTIFACT_BUCKET, { root: options.sourceRoot ?? join(ROOT, 'examples'), denied: [dataDir] });
    const cloudwatch = new LocalCloudWatch(speed);
    const lambda = new LocalLambda(join(dataDir, 'lambda'), cloudwatch, log);
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
    const stateMachineArn = 'arn:aws:states:local:000000000000:stateMachine:cmv-change-lifecycle';

    let port = options.port;
    const hooks: Record<string, (event: unknown) => Promise<unknown>> = {};
    const codeDeploy = new LocalCodeDeploy({
      dir: join(dataDir, 'codedeploy'),
      lambda,
      cloudwatch,
      speed,
      log,
      invokeHook: async (functionName, event) => {
        const hook = hooks[functionName];
        if (!hook) throw Object.assign(new Error(`Function not found: ${functionName}`), { name: 'ResourceNotFoundException' });
        await hook(event);
      },
    });
    await codeDeploy.load();
    const storeRef: { current?: Services['store'] } = {};
    const codeDeployments = new CodeDeployDeployments(faults.client(codeDeploy) as never);
    // The CDK stack gives each registered target its deployment group; here the group is created the first time a change deploys with it.
    const localCodeDeploy: CodeDeployments = {
      create: async (request) => {
        const target = await storeRef.current?.getTarget(request.deploymentGroup);
        if (target) {
          await provisionDeploymentGroup(codeDeploy, {
            application: CODEDEPLOY.application,
            deploymentGroup: target.name,
            deploymentConfig: target.codeDeploy.deploymentConfig,
            customConfigs: target.codeDeploy.customConfigs,
            alarmNames: alarmNamesFor(target.name, target.alarms),
          });
        }
        return codeDeployments.create(request);
      },
      get: (id) => codeDeployments.get(id),
      stop: (id) => codeDeployments.stop(id),
      putHookStatus: (id, hookId, status) => codeDeployments.putHookStatus(id, hookId, status),
    };
    const lambdas: Record<string, LocalTask> = {};
    const substitutions: Record<string, string> = { TestProjectName: TEST_PROJECT };
    const sfnRef: { current?: LocalStepFunctions } = {};
    const sfnClient = { send: (c: unknown) => (sfnRef.current as LocalStepFunctions).send(c) };
    const services: Services = {
      store: faults.store(new DynamoChangeStore(db, tables)),
      ledger: new DynamoLedgerReader(db, tables.ledger),
      workflow: new StepFunctionsWorkflow(faults.client(sfnClient) as never, stateMachineArn),
      artifacts,
      functions: new LambdaFunctionHost(faults.client(lambda) as never),
      alarms: new CloudWatchAlarmWatch(cloudwatch as never),
      metrics: new CloudWatchMetricsReader(cloudwatch as never),
      codeDeploy: localCodeDeploy,
      notifier: new SnsNotifier(sns as never, 'arn:aws:sns:local:000000000000:cmv-approvals'),
      events: new EventBridgeBus(events as never, 'default'),
      digests: new S3DigestStore(s3 as never, LOCAL_DIGEST_BUCKET),
      signer: new KmsDigestSigner(kms as never, LOCAL_DIGEST_KEY_ARN),
      directory,
      policy,
      settings: {
        get apiBaseUrl() {
          return `http://127.0.0.1:${port}`;
        },
        linkSecret: async () => linkSecret,
        approvalLinkTtlSeconds: 72 * 3600,
        codeDeploy: CODEDEPLOY,
      },
      now: () => new Date(),
      newId: () => randomUUID(),
    };

    storeRef.current = services.store;
    for (const [functionName, module] of Object.entries(HOOK_MODULES)) {
      hooks[functionName] = (
        require(join(ROOT, 'lambdas', 'handlers', 'hooks', module)) as { makeHandler: (s: Services) => (e: unknown) => Promise<unknown> }
      ).makeHandler(services);
    }
    for (const [placeholder, name] of Object.entries(WORKFLOW_FUNCTIONS)) {
      const arn = `${ACCOUNT}:cmv-${name}`;
      substitutions[placeholder] = arn;
      const mod = require(join(ROOT, 'lambdas', 'handlers', 'workflow', name)) as { makeHandler: (s: Services) => LocalTask };
      lambdas[arn] = mod.makeHandler(services);
    }
    const codebuild = new LocalCodeBuild(artifacts, join(dataDir, 'builds'), { projects: [TEST_PROJECT] });
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
    });
    sfnRef.current = sfn;

    const handlers: Record<string, LocalApiHandler> = {};
    for (const route of API_ROUTES) {
      handlers[route.handler] ??= (
        require(join(ROOT, 'lambdas', 'handlers', 'api', route.handler)) as { makeHandler: (s: Services) => LocalApiHandler }
      ).makeHandler(services);
    }
    const server: Server = await startApiServer(handlers, directory, { port, accessLogFile: join(dataDir, 'logs', 'api-access.jsonl') });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : port;

    const targetFiles = options.targets ?? [join(ROOT, 'examples', 'benefit-calculator', 'target.json')];
    await registerTargets(services, (root) => new S3ArtifactStore(s3, ARTIFACT_BUCKET, { root, denied: [dataDir] }), lambda, targetFiles, log);
    const resumed = await sfn.resume();
    if (resumed) log(`resumed ${resumed} running execution(s)`);
    // The sweep, as the scheduled handler does every 5 minutes in AWS (scaled by the speed factor
    // here): the approval timeout, then the reconciler; it also runs once now, so whatever a crash
    // left out of step (an alias behind its record, a decision the workflow never heard) is put right at start.
    // Its AWS calls are no crash points (see CrashPoints): the sweep re-syncs every alias each run.
    const sweepHandler = makeSweepHandler({
      ...services,
      workflow: new StepFunctionsWorkflow(sfnClient as never, stateMachineArn),
      functions: new LambdaFunctionHost(lambda as never),
    });
    const runSweep = () =>
      sweepHandler()
        .then((out) => {
          for (const id of out.expired) log(`⌛ approval of change ${id} expired`);
          for (const id of out.workflowsStarted) log(`↻  workflow of change ${id} started (its proposal's start never happened)`);
          for (const t of out.aliasesMoved) log(`↻  alias of ${t} moved to its recorded route`);
          for (const id of out.decisionsDelivered) log(`↻  approval outcome of change ${id} delivered to its workflow`);
          for (const f of out.failures) log(`reconciliation: ${f.what} failed: ${f.error}`);
        })
        .catch((err) => log(`sweep failed: ${(err as Error).message}`));
    await runSweep();
    const sweep = setInterval(runSweep, Math.max(200, 300_000 / speed));
    sweep.unref();
    // Event-driven rollback, as in AWS: CloudWatch evaluates the alarms continuously and puts each state
    // change on the default bus, where the rule of the CDK stack sends CMV's alarms going to ALARM to the alarm handler.
    const alarmHandler = makeAlarmHandler(services);
    events.putRule('AlarmStateChangeRule', ALARM_STATE_CHANGE_PATTERN, async (event) => alarmHandler(event), 4);
    cloudwatch.onStateChange((event) => events.emit(event));
    // Signed digests of the ledger, as the CDK stack's two rules make them: on a schedule, and when a deployment ends.
    const digestHandler = makeDigestHandler(services, log);
    const runDigest = () => digestHandler().catch((err) => log(`ledger digest failed: ${(err as Error).message}`));
    events.putRule('DigestAfterDeployment', DIGEST_AFTER_DEPLOYMENT_PATTERN, async () => digestHandler(), 4);
    const digestEvery = options.digestEveryMs ?? 900_000 / speed;
    const digestTimer = digestEvery > 0 ? setInterval(runDigest, Math.max(200, digestEvery)) : undefined;
    digestTimer?.unref();
    cloudwatch.startEvaluating();
    // CMV's events: the ledger table's stream → the publisher → the bus (as the event source mapping does in AWS).
    const ledgerStream = new LedgerStreamPoller({
      dynamo: dynamo.config,
      tableName: tables.ledger,
      checkpointFile: join(dataDir, 'ledger-stream.json'),
      handler: makeLedgerPublisher(services),
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
      dynamo: dynamo.config,
      stop: async () => {
        clearInterval(sweep);
        clearInterval(digestTimer);
        cloudwatch.stopEvaluating();
        await ledgerStream.stop();
        await events.settled();
        await sfn.stop();
        await codeDeploy.stop();
        await new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
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
      const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown> & {
        source: string;
        handler: string;
        functionName: string;
        alias?: string;
      };
      const { source, handler, runtime: _runtime, traffic: _traffic, ...rest } = json;
      const sourcePath = resolve(dirname(file), source);
      return { handler, sourcePath, reg: TargetRegistration.parse({ ...rest, artifact: pathToFileURL(sourcePath).href }) };
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
