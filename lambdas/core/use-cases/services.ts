import type { RequestOrigin } from '../actor';
import type { BundleSigner } from '../bundle';
import type { DigestSigner } from '../digest';
import type { ChangePolicy } from '../policy/change-policy';
import type {
  AlarmWatch,
  ArtifactStore,
  ChangeStore,
  CodeDeployments,
  CodeSigner,
  DeployRoles,
  DigestStore,
  Directory,
  EventBus,
  FunctionHost,
  LedgerReader,
  LinkKeys,
  MetricsReader,
  Notifier,
  WakeScheduler,
  Workflow,
} from '../ports';
import type { StackTarget } from '../target';
import type { User } from '../user';

/** Settings of a deployment of CMV. */
export interface Settings {
  /** Base URL of the API, for approval links (no trailing slash). */
  readonly apiBaseUrl: string;
  /** The HMAC keys of approval links (rotatable). */
  readonly linkKeys: LinkKeys;
  /** Approval link lifetime in s. */
  readonly approvalLinkTtlSeconds: number;
  /**
   * The targets the deployment's grants cover (the CDK stack's target.json files): registration
   * refuses any other. Absent: no limit (the local runtime, which checks no grants).
   */
  readonly stackTargets?: readonly StackTarget[];
  /** The codedeploy strategy: CMV's CodeDeploy application and its lifecycle-hook function names. */
  readonly codeDeploy?: { readonly application: string; readonly hooks: { readonly beforeAllowTraffic?: string; readonly afterAllowTraffic?: string } };
  /**
   * How many seconds of the workflow's clock (bakes, CodeDeploy looks) pass per second of the wall
   * clock: 1 in AWS; the local runtime's speed factor there, as its Waits and alarm periods are scaled.
   * @default 1
   */
  readonly timeScale?: number;
}

/** Everything a use case may call: the ports, a clock and an id source. */
export interface Services {
  readonly store: ChangeStore;
  readonly ledger: LedgerReader;
  /** Where signed digests of the ledger are kept (absent: none are made or checked). */
  readonly digests?: DigestStore;
  /** Signs digests (KMS; locally a key pair). Absent: no digest can be made. */
  readonly signer?: DigestSigner;
  /** Signs and verifies versions' bundle manifests (KMS; locally the KMS stand-in). Absent: nothing can be signed or verified (use cases that need it throw). */
  readonly bundleSigner?: BundleSigner;
  /** Signs the code a change publishes (AWS Signer; locally its stand-in). Absent: the code is published unsigned. */
  readonly codeSigner?: CodeSigner;
  readonly workflow: Workflow;
  /** One-time wake-ups of the workflow's bakes and CodeDeploy looks (EventBridge Scheduler). */
  readonly wakes: WakeScheduler;
  readonly artifacts: ArtifactStore;
  readonly functions: FunctionHost;
  readonly alarms: AlarmWatch;
  /** Per-version request, error and latency stats of a canary step (absent: steps record no observation). */
  readonly metrics?: MetricsReader;
  /** CodeDeploy, for the codedeploy strategy (absent: that strategy is refused). */
  readonly codeDeploy?: CodeDeployments;
  readonly notifier: Notifier;
  /**
   * The target-side ports of targets with a `deployRoleArn`, on that role's credentials (use them
   * through `onTarget` of ./target-services.ts). Absent: a target with a deploy role cannot be
   * acted on (DeployRoleError).
   */
  readonly deployRoles?: DeployRoles;
  /** Where CMV's events go (EventBridge; the local bus). Absent: none are published. */
  readonly events?: EventBus;
  readonly directory: Directory;
  /** The change-control policy in force (the default, or the deployment's policy file), from the deployment's config document. */
  readonly policy: () => Promise<ChangePolicy>;
  readonly settings: Settings;
  readonly now: () => Date;
  readonly newId: () => string;
  /**
   * Where the API keeps the first answer to each request sent with an `Idempotency-Key`: the table
   * and the DynamoDB client to it (an AWS SDK v3 client). Read by the HTTP layer only
   * (lambdas/handlers/http/idempotency.ts). Absent: the header is ignored.
   */
  readonly idempotency?: { readonly table: string; readonly client: { send(command: never): Promise<unknown> } };
}

/** The workflow itself, as the actor of the ledger entries it writes. */
export const WORKFLOW_ACTOR = 'cmv-workflow';

/** A caller as the API knows them: the user, and where their request came from. */
export type Caller = User & RequestOrigin;
