import { randomUUID } from 'node:crypto';
import { DynamoChangeStore } from '../adapters/change-store';
import { documentClient } from '../adapters/dynamo';
import { requireEnv } from '../adapters/env';
import { DynamoLedgerReader } from '../adapters/ledger-reader';
import { stackTargetsFromEnvironment } from '../adapters/stack-targets';
import type { DigestSigner } from '../core/digest';
import type { ChangePolicy } from '../core/policy/change-policy';
import type {
  AlarmWatch,
  ArtifactStore,
  CodeDeployments,
  DigestStore,
  Directory,
  EventBus,
  FunctionHost,
  LinkKeys,
  MetricsReader,
  Notifier,
  WakeScheduler,
  Workflow,
} from '../core/ports';
import type { Services } from '../core/use-cases/services';
import { traced } from './observability';

/** Approval links live 72 h by default. */
const DEFAULT_LINK_TTL_S = 72 * 3600;

/**
 * The AWS adapters a handler calls besides the tables, each built by a factory of its own module in
 * `./aws` (e.g. `lambdaFunctions` of `./aws/lambda`): a handler names the ones it calls as its
 * `awsPorts`, so that its bundle holds, and its cold start loads, only those SDK clients. Its role
 * may call exactly these services (test/infra/handler-ports.test.ts holds both to one list).
 */
export interface AwsPorts {
  readonly workflow?: () => Workflow;
  readonly artifacts?: () => ArtifactStore;
  readonly functions?: () => FunctionHost;
  readonly alarms?: () => AlarmWatch;
  readonly metrics?: () => MetricsReader;
  /** Also needs CODEDEPLOY_APPLICATION: without it, the codedeploy strategy is off whatever the handler names. */
  readonly codeDeploy?: () => CodeDeployments;
  readonly events?: () => EventBus;
  readonly notifier?: () => Notifier;
  /** The approval links' HMAC keys (current and, after a rotation, previous). */
  readonly linkKeys?: () => LinkKeys;
  /** The deployment's users and change-control policy (its config document). */
  readonly config?: () => DeploymentConfigPort;
  /** One-time wake-ups of the workflow's timed waits (EventBridge Scheduler). */
  readonly wakes?: () => WakeScheduler;
  /** The signed digests of the ledger (the digest bucket). */
  readonly digests?: () => DigestStore;
  /** The digest key (KMS Sign, GetPublicKey). */
  readonly signer?: () => DigestSigner;
}

/** What the deployment's config document gives a handler: who the users are, and the policy in force. */
export interface DeploymentConfigPort {
  readonly directory: Directory;
  policy(): Promise<ChangePolicy>;
}

/**
 * A port the handler did not name: any use of it throws, naming the port, instead of calling AWS
 * without a client (and its role without a grant).
 */
function unnamed<T extends object>(port: keyof AwsPorts): T {
  return new Proxy({} as T, {
    get: (_, member) => {
      throw new Error(`this handler has no ${port} port (reached through ${String(member)}): name it in the handler's awsPorts and grant its role the calls`);
    },
  });
}

/**
 * The services of a Lambda in AWS, from its environment (set by the CDK stack): the tables
 * (CHANGES_TABLE, LEDGER_TABLE), and the settings (API_BASE_URL, APPROVAL_LINK_TTL_SECONDS; CMV_STACK_TARGETS, register-target only: the targets the stack grants cover; CODEDEPLOY_APPLICATION and the
 * hook function names CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK and CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK
 * enable the codedeploy strategy), plus the `ports` the handler names (see {@link AwsPorts} and the
 * environment each factory reads). A required port not named throws when used; `metrics`,
 * `codeDeploy`, `events`, `digests` and `signer` not named are absent.
 * @throws Error when CHANGES_TABLE or LEDGER_TABLE is not set
 */
export function awsServices(ports: AwsPorts = {}): Services {
  const db = documentClient({}, traced);
  const tables = { changes: requireEnv('CHANGES_TABLE'), ledger: requireEnv('LEDGER_TABLE') };
  const codeDeployApplication = process.env.CODEDEPLOY_APPLICATION;
  const config = ports.config?.();
  return {
    store: new DynamoChangeStore(db, tables),
    ledger: new DynamoLedgerReader(db, tables.ledger),
    workflow: ports.workflow?.() ?? unnamed('workflow'),
    artifacts: ports.artifacts?.() ?? unnamed('artifacts'),
    functions: ports.functions?.() ?? unnamed('functions'),
    alarms: ports.alarms?.() ?? unnamed('alarms'),
    ...(ports.metrics ? { metrics: ports.metrics() } : {}),
    ...(codeDeployApplication && ports.codeDeploy ? { codeDeploy: ports.codeDeploy() } : {}),
    ...(ports.events ? { events: ports.events() } : {}),
    ...(ports.digests ? { digests: ports.digests() } : {}),
    ...(ports.signer ? { signer: ports.signer() } : {}),
    notifier: ports.notifier?.() ?? unnamed('notifier'),
    wakes: ports.wakes?.() ?? unnamed('wakes'),
    directory: config?.directory ?? unnamed<Directory>('config'),
    policy: () => (config ?? unnamed<DeploymentConfigPort>('config')).policy(),
    settings: {
      apiBaseUrl: (process.env.API_BASE_URL ?? '').replace(/\/$/, ''),
      stackTargets: stackTargetsFromEnvironment(),
      ...(codeDeployApplication
        ? {
            codeDeploy: {
              application: codeDeployApplication,
              hooks: {
                beforeAllowTraffic: process.env.CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK,
                afterAllowTraffic: process.env.CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK,
              },
            },
          }
        : {}),
      approvalLinkTtlSeconds: Number(process.env.APPROVAL_LINK_TTL_SECONDS ?? DEFAULT_LINK_TTL_S),
      linkKeys: ports.linkKeys?.() ?? unnamed<LinkKeys>('linkKeys'),
    },
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}
