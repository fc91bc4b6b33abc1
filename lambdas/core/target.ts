import type { FunctionConfig } from './change-request';
import type { TestSuite } from './policy/change-policy';

/** Error-rate alarm settings of a target: threshold in %, period in s, minimum requests per period. */
export interface AlarmSettings {
  readonly errorRatePercent: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly minimumRequests: number;
}

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
  readonly canary: { readonly steps: readonly number[]; readonly bakeSeconds: number };
  readonly alarms: AlarmSettings;
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
  readonly revision: number;
  readonly createdAt: string;
}
