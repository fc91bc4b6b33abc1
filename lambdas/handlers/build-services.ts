import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsClient } from '../adapters/aws-client';
import { DynamoChangeStore } from '../adapters/change-store';
import { DynamoLedgerReader } from '../adapters/ledger-reader';
import type { LocalFileAccess } from '../adapters/s3-artifacts';
import type { WakeTarget } from '../adapters/wake-scheduler';
import type { BundleSigner } from '../core/bundle';
import type { DigestSigner } from '../core/digest';
import type { ChangePolicy } from '../core/policy/change-policy';
import type {
  AlarmWatch,
  ArtifactStore,
  CodeDeployments,
  CodeSigner,
  DeployRoles,
  DigestStore,
  Directory,
  EventBus,
  FunctionHost,
  MetricsReader,
  Notifier,
  TargetPorts,
  WakeScheduler,
  Workflow,
} from '../core/ports';
import type { Services, Settings } from '../core/use-cases/services';

/**
 * One port's wiring, the same in AWS and in the local runtime: its adapter on a client — an SDK v3
 * client in AWS, a stand-in of lib/local there — and the SDK client it has in AWS. Each is defined
 * once, in its module of `./aws` (e.g. `lambdaFunctions` of `./aws/lambda`): a handler that names it
 * in its `awsPorts` is the only one whose bundle holds, and whose cold start loads, that adapter
 * and its SDK package.
 */
export interface Port<Adapter, Client = AwsClient> {
  /**
   * Its client in AWS: a new SDK client, traced; on `credentials` when given (a target's deploy role:
   * the target-side ports), else the function's own.
   */
  readonly sdkClient: (credentials?: AwsCredentialIdentityProvider) => Client;
  /**
   * Its adapter on `client`, with the names of the deployment's resources it needs.
   * @throws Error when a name it reads is not set (in AWS: its environment variable)
   */
  readonly adapter: (client: Client, names: ResourceNames) => Adapter;
}

/** What the deployment's config document gives a handler: who the users are, and the policy in force. */
export interface DeploymentConfigPort {
  readonly directory: Directory;
  policy(): Promise<ChangePolicy>;
}

/**
 * The AWS ports of the services besides the tables (each optional: a handler names those it
 * calls). Its role may call exactly these services (test/infra/handler-ports.test.ts holds both
 * to one list).
 */
export interface ServicePorts {
  readonly workflow?: Port<Workflow>;
  readonly artifacts?: Port<ArtifactStore>;
  readonly functions?: Port<FunctionHost>;
  readonly alarms?: Port<AlarmWatch>;
  readonly metrics?: Port<MetricsReader>;
  /** Built only when the settings name CMV's CodeDeploy application (`settings.codeDeploy`): without it, the codedeploy strategy is off. */
  readonly codeDeploy?: Port<CodeDeployments>;
  readonly events?: Port<EventBus>;
  readonly notifier?: Port<Notifier>;
  /** The deployment's users and change-control policy (its config document). */
  readonly config?: Port<DeploymentConfigPort>;
  /** One-time wake-ups of the workflow's timed waits (EventBridge Scheduler). */
  readonly wakes?: Port<WakeScheduler>;
  /** The signed digests of the ledger (the digest bucket). */
  readonly digests?: Port<DigestStore>;
  /** The digest key (KMS Sign, GetPublicKey). */
  readonly signer?: Port<DigestSigner>;
  /** The bundle key (KMS Sign, GetPublicKey): signs and verifies versions' manifests. */
  readonly bundleSigner?: Port<BundleSigner>;
  /** AWS Signer (StartSigningJob, DescribeSigningJob): signs the code a change publishes, for the targets' code signing configuration. */
  readonly codeSigner?: Port<CodeSigner>;
}

/** The client each port's adapter is built on (a port without one is not built), and the tables' document client. */
export type ServiceClients = { readonly db: AwsClient } & { readonly [P in keyof ServicePorts]?: AwsClient };

/** The names of a deployment's resources the adapters are built with (in AWS, the environment the CDK stack sets). */
export interface ResourceNames {
  /** CMV's state machine (STATE_MACHINE_ARN). */
  readonly stateMachineArn: string;
  /** The artifact bucket (ARTIFACT_BUCKET). */
  readonly artifactBucket: string;
  /**
   * Where the artifacts port reads `file://` artifacts: the local runtime only. Absent in AWS, where
   * a Lambda has no access to the proposer's disk.
   */
  readonly artifactFiles?: LocalFileAccess;
  /** `s3://bucket/key` of the deployment's config document (CMV_CONFIG_S3_URI). */
  readonly configUri: string;
  /** The approval topic, whose subscribers get the approval e-mails (APPROVAL_TOPIC_ARN). */
  readonly approvalTopicArn: string;
  /** The event bus CMV's events go to (EVENT_BUS_NAME). */
  readonly eventBusName: string;
  /** The digest bucket, S3 Object Lock (DIGEST_BUCKET). */
  readonly digestBucket: string;
  /** The digest key (DIGEST_KEY_ID). */
  readonly digestKeyId: string;
  /** The bundle key, which signs versions' manifests (BUNDLE_KEY_ID). */
  readonly bundleKeyId: string;
  /** Where the workflow's wake-ups are scheduled (WAKE_SCHEDULE_GROUP, WAKE_FUNCTION_ARN, WAKE_ROLE_ARN). */
  readonly wakes: WakeTarget;
  /** The secret holding the approval links' HMAC keys (LINK_SECRET_ARN). */
  readonly linkSecretArn: string;
  /**
   * Code signing: the Signer profile (CODE_SIGNING_PROFILE_NAME) and the prefix of the artifact
   * bucket the signed zips go to; absent where the deployment signs no code.
   */
  readonly codeSigning?: { readonly profileName: string; readonly signedPrefix: string };
}

/** What a deployment of CMV gives its services besides the clients. */
export interface Deployment {
  /** The tables' names (`idempotency`: only of the handlers that keep `Idempotency-Key` answers). */
  readonly tables: { readonly changes: string; readonly ledger: string; readonly idempotency?: string };
  readonly names: ResourceNames;
  /** Passed on as they are (a getter stays one). */
  readonly settings: Settings;
  /** The target-side ports on targets' deploy roles ({@link targetPortsOn} on clients with the role's credentials). @default - none: a target with a deploy role cannot be acted on */
  readonly deployRoles?: DeployRoles;
  /** @default the wall clock */
  readonly now?: () => Date;
  /** @default random UUIDs */
  readonly newId?: () => string;
}

/**
 * A port the handler did not name: any use of it throws, naming the port, instead of calling AWS
 * without a client (and its role without a grant).
 */
export function unnamed<T extends object>(port: keyof ServicePorts | 'linkKeys'): T {
  return new Proxy({} as T, {
    get: (_, member) => {
      throw new Error(`this handler has no ${port} port (reached through ${String(member)}): name it in the handler's awsPorts and grant its role the calls`);
    },
  });
}

/**
 * The target-side ports of `ports` (functions, alarms, metrics) on `clients`: those of one deploy
 * role, in AWS SDK clients on its credentials, locally the stand-ins as that role. A port the handler
 * did not name throws when used; metrics absent stays absent.
 */
export function targetPortsOn(
  ports: Pick<ServicePorts, 'functions' | 'alarms' | 'metrics'>,
  clients: Pick<ServiceClients, 'functions' | 'alarms' | 'metrics'>,
  names: ResourceNames,
): TargetPorts {
  const metrics = ports.metrics && clients.metrics ? ports.metrics.adapter(clients.metrics, names) : undefined;
  return {
    functions: ports.functions && clients.functions ? ports.functions.adapter(clients.functions, names) : unnamed('functions'),
    alarms: ports.alarms && clients.alarms ? ports.alarms.adapter(clients.alarms, names) : unnamed('alarms'),
    ...(metrics ? { metrics } : {}),
  };
}

/**
 * The services of a handler, in AWS (`awsServices` of ./aws-services.ts: SDK clients) and in the local runtime
 * (its stand-ins): the tables on `clients.db`, and each port of `ports` on its client of `clients`.
 * A required port (workflow, wakes, artifacts, functions, alarms, notifier, config) not built
 * throws, naming the port, when used; the optional ones (metrics, codeDeploy, events, digests,
 * signer, bundleSigner) not built are absent, as the use cases expect.
 * @throws Error from a port's adapter when a name it needs is not set
 */
export function buildServices(ports: ServicePorts, clients: ServiceClients, deployment: Deployment): Services {
  const { tables, names, settings } = deployment;
  const built = <A>(port: Port<A> | undefined, client: AwsClient | undefined): A | undefined => (port && client ? port.adapter(client, names) : undefined);
  const config = built(ports.config, clients.config);
  const metrics = built(ports.metrics, clients.metrics);
  const codeDeploy = settings.codeDeploy ? built(ports.codeDeploy, clients.codeDeploy) : undefined;
  const events = built(ports.events, clients.events);
  const digests = built(ports.digests, clients.digests);
  const signer = built(ports.signer, clients.signer);
  const bundleSigner = built(ports.bundleSigner, clients.bundleSigner);
  const codeSigner = built(ports.codeSigner, clients.codeSigner);
  return {
    store: new DynamoChangeStore(clients.db, tables),
    ledger: new DynamoLedgerReader(clients.db, tables.ledger),
    workflow: built(ports.workflow, clients.workflow) ?? unnamed('workflow'),
    wakes: built(ports.wakes, clients.wakes) ?? unnamed('wakes'),
    artifacts: built(ports.artifacts, clients.artifacts) ?? unnamed('artifacts'),
    functions: built(ports.functions, clients.functions) ?? unnamed('functions'),
    alarms: built(ports.alarms, clients.alarms) ?? unnamed('alarms'),
    notifier: built(ports.notifier, clients.notifier) ?? unnamed('notifier'),
    ...(deployment.deployRoles ? { deployRoles: deployment.deployRoles } : {}),
    ...(metrics ? { metrics } : {}),
    ...(codeDeploy ? { codeDeploy } : {}),
    ...(events ? { events } : {}),
    ...(digests ? { digests } : {}),
    ...(signer ? { signer } : {}),
    ...(bundleSigner ? { bundleSigner } : {}),
    ...(codeSigner ? { codeSigner } : {}),
    directory: config?.directory ?? unnamed<Directory>('config'),
    policy: () => (config ?? unnamed<DeploymentConfigPort>('config')).policy(),
    settings,
    now: deployment.now ?? (() => new Date()),
    newId: deployment.newId ?? (() => randomUUID()),
    ...(tables.idempotency ? { idempotency: { table: tables.idempotency, client: clients.db } } : {}),
  };
}
