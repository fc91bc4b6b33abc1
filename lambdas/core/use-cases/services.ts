import type { DigestSigner } from '../digest';
import type { ChangePolicy } from '../policy/change-policy';
import type {
  AlarmWatch,
  ArtifactStore,
  ChangeStore,
  CodeDeployments,
  DigestStore,
  Directory,
  EventBus,
  FunctionHost,
  LedgerReader,
  MetricsReader,
  Notifier,
  User,
  Workflow,
} from '../ports';

/** Settings of a deployment of CMV. */
export interface Settings {
  /** Base URL of the API, for approval links (no trailing slash). */
  readonly apiBaseUrl: string;
  /** HMAC secret of approval links. */
  readonly linkSecret: () => Promise<string>;
  /** Approval link lifetime in s. */
  readonly approvalLinkTtlSeconds: number;
  /** The codedeploy strategy: CMV's CodeDeploy application and its lifecycle-hook function names. */
  readonly codeDeploy?: { readonly application: string; readonly hooks: { readonly beforeAllowTraffic?: string; readonly afterAllowTraffic?: string } };
}

/** Everything a use case may call: the ports, a clock and an id source. */
export interface Services {
  readonly store: ChangeStore;
  readonly ledger: LedgerReader;
  /** Where signed digests of the ledger are kept (absent: none are made or checked). */
  readonly digests?: DigestStore;
  /** Signs digests (KMS; locally a key pair). Absent: no digest can be made. */
  readonly signer?: DigestSigner;
  readonly workflow: Workflow;
  readonly artifacts: ArtifactStore;
  readonly functions: FunctionHost;
  readonly alarms: AlarmWatch;
  /** Per-version request, error and latency stats of a canary step (absent: steps record no observation). */
  readonly metrics?: MetricsReader;
  /** CodeDeploy, for the codedeploy strategy (absent: that strategy is refused). */
  readonly codeDeploy?: CodeDeployments;
  readonly notifier: Notifier;
  /** Where CMV's events go (EventBridge; the local bus). Absent: none are published. */
  readonly events?: EventBus;
  readonly directory: Directory;
  /** The change-control policy in force (the default, or the deployment's policy file). */
  readonly policy: ChangePolicy;
  readonly settings: Settings;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** The workflow itself, as the actor of the ledger entries it writes. */
export const WORKFLOW_ACTOR = 'cmv-workflow';

/** A caller as the API knows them. */
export type Caller = User;
