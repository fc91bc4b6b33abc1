import type { Change, ChangeStatus } from './change';
import type { SignedDigest } from './digest';
import type { ChainHead, LedgerEntry, LedgerEntryDraft } from './ledger';
import type { AlarmStatus, VersionStats } from './observations';
import type { Target, VersionRecord } from './target';
import type { User } from './user';

/**
 * The ports the use cases need. Adapters in lambdas/adapters implement them over DynamoDB and the
 * AWS clients; the local runtime passes the same adapters clients of its stand-ins.
 */

/** One page of results; `nextToken` is opaque and absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

/**
 * A conditional put: `expectedRevision` null means "must not exist yet", a number means "must
 * still be at this revision". The stored record gets `revision + 1`. Two kinds are claims that must
 * not exist yet: a function's owner (a function belongs to one target), and a used single-use
 * approval link (only its hash is kept, until `expiresAtEpochS`, in s).
 */
export type StoreWrite =
  | { readonly kind: 'change'; readonly record: Change; readonly expectedRevision: number | null }
  | { readonly kind: 'target'; readonly record: Target; readonly expectedRevision: number | null }
  | { readonly kind: 'version'; readonly record: VersionRecord; readonly expectedRevision: number | null }
  | { readonly kind: 'function'; readonly functionName: string; readonly target: string }
  | { readonly kind: 'link'; readonly changeId: string; readonly linkHash: string; readonly expiresAtEpochS: number };

/**
 * Which wait of the workflow a task token resumes: the approval, a paused canary's resume, a canary
 * step's bake, or a CodeDeploy deployment's next look.
 */
export type TaskWait = 'approval' | 'resume' | 'bake' | 'codedeploy' | 'warm-up';

/** The deadline of a timed wait (a bake, a CodeDeploy look). Times ISO-8601. */
export interface WaitDeadline {
  /** When the wait ends by itself: the bake is over, CodeDeploy is looked at again. */
  readonly dueAt: string;
  /** Since when the workflow waits: the bake's start (kept when the same wait is entered again after a restart). */
  readonly since: string;
  /** Which wait this is (a digest of the workflow's state at the wait), so that the same wait entered again is recognised. */
  readonly key: string;
}

/** A task token the workflow waits on. `storedAt` is ISO-8601; timed waits carry their deadline. */
export interface OutstandingTaskToken extends Partial<WaitDeadline> {
  readonly changeId: string;
  readonly taskToken: string;
  readonly wait: TaskWait;
  readonly storedAt: string;
}

/** Thrown by `commit` when the write at `index` failed its condition (someone else wrote first). */
export class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
  constructor(readonly index: number) {
    super(`conditional write ${index} failed: the record changed or already exists`);
  }
}

/**
 * Thrown by `FunctionHost.publish` when the function's code signing configuration refuses the code
 * (Lambda's CodeVerificationFailedException or InvalidCodeSignatureException): nothing was published.
 */
export class CodeRefusedError extends Error {
  override readonly name = 'CodeRefusedError';
}

/** Changes, targets and versions, and the one way to change them: `commit`. */
export interface ChangeStore {
  getChange(changeId: string): Promise<Change | undefined>;
  listChanges(query: { target?: string; status?: ChangeStatus; limit: number; nextToken?: string }): Promise<Page<Change>>;
  getTarget(name: string): Promise<Target | undefined>;
  listTargets(): Promise<Target[]>;
  getVersion(target: string, version: string): Promise<VersionRecord | undefined>;
  listVersions(target: string): Promise<VersionRecord[]>;
  /** The target's highest version by semver precedence, in one strongly consistent read of one small item; none: undefined. */
  highestVersion(target: string): Promise<string | undefined>;
  /**
   * Writes every record and appends the ledger entry in ONE transaction: all or nothing.
   * @returns the ledger entry as chained
   * @throws WriteConflictError when a record's condition fails (never for ledger contention, which is retried)
   */
  commit(writes: readonly StoreWrite[], entry: LedgerEntryDraft): Promise<LedgerEntry>;
  /**
   * Stores the task token of the workflow's wait on a change (one at a time: the approval, a paused
   * canary's resume, a bake, a CodeDeploy look), with the deadline of a timed wait; never returned
   * by the API. It stays outstanding until `spendTaskToken`, and replaces the change's earlier token.
   */
  putTaskToken(changeId: string, taskToken: string, wait: TaskWait, deadline?: WaitDeadline): Promise<void>;
  /** The change's outstanding task token, if any. */
  getTaskToken(changeId: string): Promise<OutstandingTaskToken | undefined>;
  /**
   * Marks a token as delivered (SendTaskSuccess/Failure answered, or the token was already spent),
   * unless a newer one replaced it meanwhile; it leaves the outstanding list.
   */
  spendTaskToken(changeId: string, taskToken: string): Promise<void>;
  /** Every outstanding task token, oldest first: what the reconciler checks against the records. */
  listTaskTokens(): Promise<OutstandingTaskToken[]>;
  /** The target a function was claimed by at registration, if any. */
  getFunctionOwner(functionName: string): Promise<string | undefined>;
}

/** Filters of GET /audit. Times are ISO-8601. */
export interface AuditQuery {
  readonly changeId?: string;
  readonly target?: string;
  readonly actor?: string;
  readonly type?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly nextToken?: string;
}

/** Read side of the ledger. */
export interface LedgerReader {
  query(query: AuditQuery): Promise<Page<LedgerEntry>>;
  /**
   * Every chain's head, each read strongly consistent. Listed from an index, so a chain whose first
   * entry committed a moment ago may be left out (a later call finds it).
   */
  heads(): Promise<ChainHead[]>;
  /** A chain's head, strongly consistent; undefined when the chain has none. */
  head(chain: string): Promise<ChainHead | undefined>;
  /** The entries of `chain` after `afterSeq`, ascending by seq, page by page (strongly consistent). */
  entries(chain: string, afterSeq: number): AsyncIterable<LedgerEntry>;
}

/**
 * Signed digests, where CMV's roles may add one and never change or remove one (S3 with Object
 * Lock; locally an append-only directory).
 */
export interface DigestStore {
  /** The newest digest; none before the first. */
  latest(): Promise<SignedDigest | undefined>;
  get(seq: number): Promise<SignedDigest | undefined>;
  /** Digests after `seq`, ascending, page by page. */
  after(seq: number): AsyncIterable<SignedDigest>;
  /**
   * Stores a new digest under its seq.
   * @throws DigestExistsError when a digest with that seq exists (another writer was first)
   */
  put(digest: SignedDigest): Promise<void>;
}

/** Starts and resumes workflow executions (Step Functions). */
export interface Workflow {
  /**
   * @returns the execution ARN
   * @throws WorkflowExistsError when an execution of that name exists already
   */
  start(name: string, input: Record<string, unknown>): Promise<string>;
  /** @throws SpentTaskTokenError when the token's wait already ended */
  resume(taskToken: string, output: Record<string, unknown>): Promise<void>;
  /** @throws SpentTaskTokenError when the token's wait already ended */
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/** Immutable artifacts (source zips, diffs), content-addressed. */
export interface ArtifactStore {
  /** Reads an artifact by URI (`s3://…`, or `file://…` where allowed). */
  read(uri: string): Promise<Uint8Array>;
  /** Stores bytes under `key` and returns their URI. */
  write(key: string, bytes: Uint8Array, contentType: string): Promise<string>;
  /** The URI `write(key)` would return (for a writer elsewhere, e.g. the test build's report). */
  uriFor(key: string): string;
  /**
   * Reads an artifact and the id of the object version read (S3's `VersionId`, undefined where the
   * store keeps no versions): what a signing job is pointed at, so that it signs exactly these bytes.
   */
  readVersioned(uri: string): Promise<{ readonly bytes: Uint8Array; readonly versionId?: string }>;
}

/** How a signing job ended, or that it has not yet (`InProgress`: wait again later). */
export type CodeSigningOutcome =
  | { readonly status: 'Succeeded'; readonly signedUri: string }
  | { readonly status: 'Failed'; readonly reason: string }
  | { readonly status: 'InProgress' };

/**
 * AWS Signer signing a Lambda zip for the code signing configuration of the registered targets
 * (Lambda accepts only code its allowed profile signed).
 */
export interface CodeSigner {
  /**
   * Starts the signing job of the zip stored at `source` (an object version of a versioned bucket);
   * the same `token` again answers the same job instead of starting another (Signer's clientRequestToken).
   * @returns the job's id
   */
  start(source: { readonly uri: string; readonly versionId: string }, token: string): Promise<string>;
  /** Waits for the job to end, for a bounded time: where its signed zip is, why it failed, or that it still runs. */
  wait(jobId: string): Promise<CodeSigningOutcome>;
}

/** A published function version as Lambda reports it. `codeSha256` is base64. */
export interface PublishedVersion {
  readonly functionVersion: string;
  readonly codeSha256: string;
}

/** An alias: the version it points at, the extra version and its weight (0–1), the revision id. */
export interface AliasState {
  readonly functionVersion: string;
  readonly additionalVersion?: string;
  readonly additionalWeight?: number;
  readonly revisionId: string;
}

/** The target's Lambda function and alias. */
export interface FunctionHost {
  /**
   * Uploads code and environment and publishes an immutable version.
   * @param expectedSha256 - base64 SHA-256 of the zip; Lambda refuses to publish on mismatch
   */
  publish(functionName: string, zip: Uint8Array, env: Record<string, string>, expectedSha256: string, description: string): Promise<PublishedVersion>;
  /**
   * The alias's routing and its RevisionId.
   * @throws NotFoundError when the function or the alias does not exist
   */
  getAlias(functionName: string, alias: string): Promise<AliasState>;
  /**
   * Points the alias at `functionVersion` with `additionalWeight` (0–1) of traffic on `additionalVersion`.
   * @throws ConflictError when `revisionId` is stale (someone else changed the alias)
   */
  updateAlias(
    functionName: string,
    alias: string,
    route: { functionVersion: string; additionalVersion?: string; additionalWeight?: number },
    revisionId: string,
  ): Promise<AliasState>;
  /** Invokes `qualifier` (an alias, where Lambda picks the version by its weights, or a version number) once. */
  invoke(functionName: string, qualifier: string, payload: unknown): Promise<Invocation>;
  /** Published version numbers of the function, ascending (not `$LATEST`). */
  listVersions(functionName: string): Promise<string[]>;
  /** Every version some alias of the function routes to, main or weighted (ListAliases), ascending, without duplicates. */
  aliasVersions(functionName: string): Promise<string[]>;
  /**
   * What a published version runs: its code's SHA-256 (base64, Lambda's `CodeSha256`) and its environment.
   * @throws NotFoundError when the function or version does not exist
   */
  describeVersion(functionName: string, functionVersion: string): Promise<{ readonly codeSha256: string; readonly env: Record<string, string> }>;
  /**
   * Deletes one published version.
   * @throws ConflictError while an alias routes to it
   * @throws NotFoundError when it does not exist (deleted already)
   */
  deleteVersion(functionName: string, functionVersion: string): Promise<void>;
  /**
   * Requests `executions` provisioned concurrency on a published version (PutProvisionedConcurrencyConfig):
   * Lambda allocates it in the background (IN_PROGRESS, then READY or FAILED).
   * @throws ConflictError when Lambda refuses it: it would leave the account's unreserved concurrency
   *   under its minimum, or another operation on the function is in progress
   */
  putProvisionedConcurrency(functionName: string, functionVersion: string, executions: number): Promise<ProvisionedConcurrency>;
  /** A version's provisioned concurrency (GetProvisionedConcurrencyConfig), or undefined when it has none. */
  getProvisionedConcurrency(functionName: string, functionVersion: string): Promise<ProvisionedConcurrency | undefined>;
  /**
   * Removes a version's provisioned concurrency (DeleteProvisionedConcurrencyConfig).
   * @returns false when the version had none (or no longer exists): nothing to release
   */
  deleteProvisionedConcurrency(functionName: string, functionVersion: string): Promise<boolean>;
}

/**
 * The ports that act on a target's own resources — its function, alias, versions and provisioned
 * concurrency, its alarms and metrics — as opposed to CMV's tables, artifacts and workflow, which
 * stay on CMV's own role. (CodeDeploy is not among them: CMV's CodeDeploy application, its deployment
 * groups and hooks are in CMV's account, so the codedeploy strategy deploys there only.)
 */
export interface TargetPorts {
  readonly functions: FunctionHost;
  readonly alarms: AlarmWatch;
  readonly metrics?: MetricsReader;
}

/**
 * The target-side ports of a target in another AWS account: built on the temporary credentials of
 * its deploy role (STS AssumeRole in AWS; the local STS stand-in locally).
 */
export interface DeployRoles {
  /**
   * The {@link TargetPorts} on `roleArn`'s credentials, the session named `sessionName` (2–64 of
   * `[\w+=,.@-]`, as AssumeRole's RoleSessionName): the same ports for the same role and session, so
   * that a handler invocation assumes each role once. Nothing is called until a port is used: a role
   * that cannot be assumed fails that call with DeployRoleError.
   */
  ports(roleArn: string, sessionName: string): TargetPorts;
}

/**
 * A version's provisioned concurrency as Lambda reports it: `requested` and `allocated` execution
 * environments; `status` IN_PROGRESS while Lambda allocates them, READY once all are initialized,
 * FAILED when they cannot be (`reason` says why, e.g. the function's init failed).
 */
export interface ProvisionedConcurrency {
  readonly requested: number;
  readonly allocated: number;
  readonly status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  readonly reason?: string;
}

/** One invocation: the version that ran, and its result or error (Lambda's FunctionError). */
export interface Invocation {
  readonly executedVersion: string;
  readonly ok: boolean;
  readonly payload: unknown;
}

/** The alarms that guard a deployment. */
export interface AlarmWatch {
  /** Creates (or re-points) the error-rate alarm on the new version's own metrics (ExecutedVersion). @returns alarm names */
  armForVersion(target: Target, functionVersion: string): Promise<string[]>;
  describe(names: readonly string[]): Promise<AlarmStatus[]>;
}

/** Metrics of a function per executed version (CloudWatch GetMetricData on AWS/Lambda). */
export interface MetricsReader {
  /**
   * Stats of each of `versions` invoked through `functionName:alias` in [from, to).
   * @returns version → stats (zeros and nulls for a version without data)
   */
  versionStats(functionName: string, alias: string, versions: readonly string[], from: Date, to: Date): Promise<Record<string, VersionStats>>;
}

/** A CodeDeploy Lambda deployment to create (AppSpec `AWS::Lambda::Function` resource). */
export interface CodeDeploymentRequest {
  readonly application: string;
  readonly deploymentGroup: string;
  /** `CodeDeployDefault.Lambda…` or a custom config name. */
  readonly deploymentConfig: string;
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly description: string;
  /** Function names of the AppSpec's lifecycle hooks. */
  readonly hooks: { readonly beforeAllowTraffic?: string; readonly afterAllowTraffic?: string };
  /** The alarms CodeDeploy watches during this deployment (they replace the group's own list). */
  readonly alarms: readonly string[];
}

/** A CodeDeploy deployment as GetDeployment reports it. */
export interface CodeDeploymentStatus {
  readonly deploymentId: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly status: 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';
  /** CodeDeploy's error (e.g. `ALARM_ACTIVE`, `HOOK_EXECUTION_FAILURE`) when it failed or stopped. */
  readonly error?: { readonly code: string; readonly message: string };
  /** The deployment CodeDeploy created to roll back, if it did. */
  readonly rollbackDeploymentId?: string;
}

/** CodeDeploy, for the codedeploy strategy. */
export interface CodeDeployments {
  /** @returns the deployment id */
  create(request: CodeDeploymentRequest): Promise<string>;
  get(deploymentId: string): Promise<CodeDeploymentStatus>;
  /** Stops the deployment and has CodeDeploy roll it back (StopDeployment, autoRollbackEnabled). */
  stop(deploymentId: string): Promise<void>;
  /** Reports a lifecycle hook's outcome (PutLifecycleEventHookExecutionStatus). */
  putHookStatus(deploymentId: string, hookExecutionId: string, status: 'Succeeded' | 'Failed'): Promise<void>;
}

/** One-time wake-ups of the workflow's timed waits (EventBridge Scheduler). */
export interface WakeScheduler {
  /**
   * Has the workflow's wait on `changeId` looked at, at `at` or within a minute after (the scheduler's
   * precision; never before): a one-time schedule that deletes itself once it has fired. A schedule of
   * the same `name` that already exists (the same wait entered again) is left as it is.
   * @param name - 1–64 of `[0-9a-zA-Z-_.]`, unique per wait
   * @throws the scheduler's error (throttling, access denied…): the sweep delivers the wait at its deadline regardless
   */
  wakeAt(name: string, at: Date, changeId: string): Promise<void>;
}

/** One event for other systems (an EventBridge entry with `source: cmv`). */
export interface BusEvent {
  /** E.g. `Change Proposed`, `Deployment Rolled Back`. */
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  /** ISO-8601 time of the event. */
  readonly time: string;
  readonly resources?: readonly string[];
}

/** Where events go (EventBridge PutEvents, or the local bus). */
export interface EventBus {
  publish(events: readonly BusEvent[]): Promise<void>;
}

/** An e-mail to people (SNS e-mail subscription, or the local outbox). */
export interface Notifier {
  send(message: { subject: string; text: string; to: readonly string[]; changeId: string }): Promise<void>;
}

/** Who the users are (read from the deployment's config document: the first call may read it). */
export interface Directory {
  find(id: string): Promise<User | undefined>;
  all(): Promise<User[]>;
}

/**
 * The HMAC keys of approval links: one secret that may be rotated. New links are signed with the
 * current key; a link signed with the key before the last rotation still verifies until it expires.
 */
export interface LinkKeys {
  /**
   * The key new links are signed with.
   * @throws when it cannot be read; a failed read is not remembered, the next call reads again
   */
  signing(): Promise<string>;
  /**
   * Every key a link may carry a valid signature of, current first: the current key and, after a
   * rotation, the previous one. `fresh` reads them again rather than from a cache (a link none of
   * the cached keys verifies may have been signed with a key rotated in since).
   */
  verifying(options?: { readonly fresh?: boolean }): Promise<readonly string[]>;
}
