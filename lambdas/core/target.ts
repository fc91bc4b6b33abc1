import type { FunctionConfig } from './change-request';
import type { TestSuite } from './policy/change-policy';
import type { AlarmSettings, CanarySettings, CodeDeploySettings, DeploymentStrategy, RetentionSettings, SmokeTest } from './target-settings';

export type { AlarmSettings } from './target-settings';

/** A registered service: its Lambda function and alias, how to test it, how to canary it. */
export interface Target {
  readonly name: string;
  readonly description: string;
  readonly functionName: string;
  readonly alias: string;
  /** Where it runs: matched by the policy's `environments` (e.g. production, staging). */
  readonly environment: string;
  /** The shell command of each test suite it has, run in the unzipped artifact. */
  readonly testSuites: Partial<Record<TestSuite, string>>;
  /** How changes roll out unless the change request says otherwise. */
  readonly strategy: DeploymentStrategy;
  readonly canary: CanarySettings;
  readonly codeDeploy: CodeDeploySettings;
  readonly alarms: AlarmSettings;
  /** Run before any traffic reaches a new version and again at 100 %; a failure rolls back. */
  readonly smokeTests: readonly SmokeTest[];
  readonly retention: RetentionSettings;
  readonly liveVersion: string;
  readonly liveFunctionVersion: string;
  /** The change currently deploying; only one at a time per target. */
  readonly deployingChangeId?: string;
  readonly revision: number;
  readonly registeredAt: string;
  readonly updatedAt: string;
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
  readonly revision: number;
  readonly createdAt: string;
}
