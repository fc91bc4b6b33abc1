import type { BundleRecord } from './bundle';
import type { FunctionConfig } from './change-request';
import type { TestSuite } from './policy/change-policy';
import type { StrategyName } from './strategies/names';
import type { AlarmSettings, BlueGreenSettings, CanarySettings, CodeDeploySettings, RetentionSettings, SmokeTest } from './target-settings';

export type { AlarmSettings } from './target-settings';

/**
 * An alias's routing: the version it points at, and at most one more version with its share of the
 * traffic (`additionalWeight`, 0–1) — Lambda's `FunctionVersion` and `RoutingConfig`.
 */
export interface AliasRoute {
  readonly functionVersion: string;
  readonly additionalVersion?: string;
  readonly additionalWeight?: number;
}

/**
 * A target the deployment's IAM grants cover (in AWS: one of the stack's target.json files). Its
 * deploy steps may touch this function, its alias and versions, and the alarms named after this
 * target only, so a registration must name all three as the stack did.
 */
export interface StackTarget {
  readonly name: string;
  readonly functionName: string;
  readonly alias: string;
  /** The deploy role the stack lets CMV's handlers assume for it (its target.json's `deployRoleArn`). Absent: CMV's own account. */
  readonly deployRoleArn?: string;
}

/** A registered service: its Lambda function and alias, how to test it, how to canary it. */
export interface Target {
  readonly name: string;
  readonly description: string;
  readonly functionName: string;
  readonly alias: string;
  /** Where it runs: matched by the policy's `environments` (e.g. production, staging). */
  readonly environment: string;
  /**
   * The target of the same service in the next environment of the policy's promotion order: where
   * `POST /changes/{id}/advance` takes a version deployed here. Absent: versions deployed here go no further.
   */
  readonly promotesTo?: string;
  /**
   * The IAM role CMV assumes to deploy to this target's function and alarms when they are in
   * another AWS account (`arn:aws:iam::<account>:role/<name>`). Absent: CMV's own account.
   */
  readonly deployRoleArn?: string;
  /** The shell command of each test suite it has, run in the unzipped artifact. */
  readonly testSuites: Partial<Record<TestSuite, string>>;
  /** How changes roll out unless the change request says otherwise. */
  readonly strategy: StrategyName;
  readonly canary: CanarySettings;
  readonly codeDeploy: CodeDeploySettings;
  /** Absent on targets stored before blue-green existed: `DEFAULT_BLUE_GREEN` then. */
  readonly blueGreen?: BlueGreenSettings;
  readonly alarms: AlarmSettings;
  /** Run before any traffic reaches a new version and again at 100 %; a failure rolls back. */
  readonly smokeTests: readonly SmokeTest[];
  /** `keepDays` is absent on targets stored before it existed: `DEFAULT_KEEP_DAYS` (90) then. */
  readonly retention: Omit<RetentionSettings, 'keepDays'> & { readonly keepDays?: number };
  readonly liveVersion: string;
  readonly liveFunctionVersion: string;
  /**
   * The alias routing CMV recorded last. CMV moves an alias in one direction only: this record is
   * committed first (with its ledger entry), then the alias is made to match it (`syncAlias`), and
   * the reconciler finishes a move a crash interrupted. Absent on targets stored before it existed:
   * `liveFunctionVersion` alone (see `recordedRoute`).
   */
  readonly route?: AliasRoute;
  /** While a codedeploy change deploys, CodeDeploy shifts the alias: CMV leaves it alone until the change ends. */
  readonly shiftedByCodeDeploy?: boolean;
  /**
   * Provisioned concurrency to release, recorded with the entry that ended a blue-green deployment
   * (the old version's once deployed, the new one's once rolled back or failed): released after that
   * commit (`releaseWarmCapacity`), and by the reconciler when a crash came between.
   */
  readonly warmRelease?: readonly WarmRelease[];
  /** The change currently deploying; only one at a time per target. */
  readonly deployingChangeId?: string;
  readonly revision: number;
  readonly registeredAt: string;
  readonly updatedAt: string;
}

/** A published version whose provisioned concurrency is to be released, and the change whose end asked it. */
export interface WarmRelease {
  readonly changeId: string;
  readonly functionVersion: string;
}

/** One immutable version of a target. `functionVersion` is the published Lambda version, once deployed. */
export interface VersionRecord {
  readonly target: string;
  readonly version: string;
  readonly changeId: string | null;
  readonly artifact: { readonly uri: string; readonly sha256: string; readonly bytes: number };
  readonly config: FunctionConfig;
  readonly testsPassed: boolean;
  readonly functionVersion?: string;
  /**
   * ISO-8601 time its published Lambda version was deleted under the target's retention
   * (`retireVersions`); it can no longer be activated, only proposed again as a change.
   */
  readonly retiredAt?: string;
  /** Its signed manifest (./bundle.ts); absent on versions recorded before bundles were signed, and until the workflow signs it. */
  readonly bundle?: BundleRecord;
  /**
   * The AWS Signer job signing its code for Lambda's code signing (use-cases/code-signing.ts),
   * recorded when the job is started, so that a retry waits for that job instead of starting another.
   */
  readonly codeSigning?: { readonly jobId: string; readonly startedAt: string };
  readonly revision: number;
  readonly createdAt: string;
}

/** The routing recorded for a target's alias (`route`, or its live version alone for targets stored before it). */
export function recordedRoute(target: Target): AliasRoute {
  return target.route ?? { functionVersion: target.liveFunctionVersion };
}

/** Whether an alias routes as `route` says (an extra version with weight 0 counts as none, as in Lambda). */
export function routesAs(alias: AliasRoute, route: AliasRoute): boolean {
  const extra = (r: AliasRoute) => (r.additionalVersion && (r.additionalWeight ?? 0) > 0 ? `${r.additionalVersion}@${r.additionalWeight}` : '');
  return alias.functionVersion === route.functionVersion && extra(alias) === extra(route);
}
