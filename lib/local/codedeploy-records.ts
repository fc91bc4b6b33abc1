import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  ApplicationDoesNotExistException,
  ApplicationNameRequiredException,
  type AutoRollbackEvent,
  DeploymentConfigDoesNotExistException,
  DeploymentDoesNotExistException,
  DeploymentIdRequiredException,
  type ErrorCode,
} from '@aws-sdk/client-codedeploy';
import { z } from 'zod';
import { PREDEFINED_LAMBDA_CONFIGS, type TrafficRouting } from '../../lambdas/core/deployment-config';
import { jsonOf, readStoreFile, writeStoreFile } from './store-file';

/**
 * What the local CodeDeploy keeps: its applications, deployment configs, deployment groups and
 * deployments, in memory and in `<dir>/codedeploy.json` (replaced atomically on every change), and
 * the lookups of the API that fail with CodeDeploy's own exceptions. The control plane
 * (./codedeploy.ts) and the engine (./codedeploy-engine.ts) share one {@link CodeDeployRecords}.
 */

/** The event CodeDeploy invokes a Lambda lifecycle hook with. */
export interface HookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

export type Status = 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';

/**
 * A "CodeDeploy Deployment State-change Notification" as EventBridge delivers it (the EventBridge
 * events reference for CodeDeploy and its example event): `resources` the application's and the
 * deployment group's ARNs; `detail` the application, group, deployment id, its region, its
 * instance group id and the new `state`.
 */
export interface CodeDeployStateChangeEvent {
  readonly version: '0';
  readonly 'detail-type': 'CodeDeploy Deployment State-change Notification';
  readonly source: 'aws.codedeploy';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly instanceGroupId: string;
    readonly region: string;
    readonly application: string;
    readonly deploymentId: string;
    readonly state: 'START' | 'SUCCESS' | 'FAILURE' | 'STOP';
    readonly deploymentGroup: string;
  };
}

export type HookName = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

export interface StoredGroup {
  readonly application: string;
  readonly name: string;
  readonly id: string;
  readonly serviceRoleArn: string;
  readonly deploymentConfigName: string;
  readonly alarms: { readonly enabled: boolean; readonly ignorePollAlarmFailure: boolean; readonly names: readonly string[] };
  readonly autoRollback: { readonly enabled: boolean; readonly events: readonly AutoRollbackEvent[] };
}

export interface StoredConfig {
  readonly name: string;
  readonly id: string;
  readonly routing: TrafficRouting;
  readonly createTime: string;
}

export interface HookExecution {
  readonly id: string;
  readonly hook: HookName;
  readonly functionName: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** Why it failed when the invocation itself failed. */
  reason?: string;
}

/** A Lambda AppSpec's one resource and its hooks. */
export interface LambdaAppSpec {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly hooks: Partial<Record<HookName, string>>;
}

export interface StoredDeployment {
  readonly id: string;
  readonly application: string;
  readonly group: string;
  readonly configName: string;
  readonly description?: string;
  readonly creator: 'user' | 'codeDeployRollback';
  readonly appSpec: LambdaAppSpec;
  readonly sha256: string;
  readonly alarms: StoredGroup['alarms'];
  readonly autoRollback: StoredGroup['autoRollback'];
  status: Status;
  readonly createTime: string;
  startTime?: string;
  completeTime?: string;
  error?: { code: ErrorCode; message: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string };
  hooks: HookExecution[];
}

export interface State {
  applications: Record<string, { readonly id: string; readonly createTime: string }>;
  groups: Record<string, StoredGroup>;
  configs: Record<string, StoredConfig>;
  deployments: Record<string, StoredDeployment>;
}

/** What {@link LocalCodeDeploy.load} needs of the state file; a file that is not this is quarantined. */
const SavedState = z.object({
  applications: z.record(z.string(), z.looseObject({ id: z.string(), createTime: z.string() })),
  groups: z.record(z.string(), z.looseObject({ application: z.string(), name: z.string(), deploymentConfigName: z.string() })),
  configs: z.record(z.string(), z.looseObject({ name: z.string(), routing: z.looseObject({ type: z.string() }) })),
  deployments: z.record(
    z.string(),
    z.looseObject({
      id: z.string(),
      status: z.enum(['Created', 'Queued', 'InProgress', 'Baking', 'Ready', 'Succeeded', 'Failed', 'Stopped']),
      appSpec: z.looseObject({ functionName: z.string(), alias: z.string(), currentVersion: z.string(), targetVersion: z.string() }),
      autoRollback: z.looseObject({ enabled: z.boolean(), events: z.array(z.string()) }),
      hooks: z.array(z.looseObject({ status: z.string() })),
    }),
  ),
});

/** The statuses of a deployment that has not ended. */
export const ACTIVE: ReadonlySet<Status> = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);
/** The `$metadata` every output and exception of the SDK carries. */
export const meta = { $metadata: {} };
export const groupKey = (application: string, group: string) => `${application}/${group}`;
/** CodeDeploy deployment ids look like `d-A1B2C3D4E`. */
export const deploymentId = () => `d-${[...randomBytes(9)].map((b) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[b % 36]).join('')}`;

/** The local CodeDeploy's records and their file. */
export class CodeDeployRecords {
  data: State = { applications: {}, groups: {}, configs: {}, deployments: {} };
  private readonly file: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    dir: string,
    private readonly log?: (line: string) => void,
  ) {
    this.file = join(dir, 'codedeploy.json');
  }

  /**
   * Reads the records of an earlier run. A file that does not parse is moved to
   * `codedeploy.json.corrupt-<time>` and reported on the log and stderr; the records then start empty.
   * @returns whether a file was read
   */
  async load(): Promise<boolean> {
    const saved = await readStoreFile(this.file, {
      parse: jsonOf(SavedState),
      lost: "the local CodeDeploy's applications, deployment groups and deployments",
      log: this.log,
    });
    if (!saved) return false;
    this.data = saved as unknown as State;
    return true;
  }

  /** Writes the records as they are now (writes queue: the file always ends with the last). */
  save(): Promise<void> {
    const text = JSON.stringify(this.data, null, 2);
    this.saving = this.saving.then(() => writeStoreFile(this.file, text));
    return this.saving;
  }

  /** Resolves when every save so far is written. */
  async saved(): Promise<void> {
    await this.saving;
  }

  /** @throws ApplicationNameRequiredException, ApplicationDoesNotExistException */
  application(name: string | undefined): void {
    if (!name) throw new ApplicationNameRequiredException({ message: 'The application name must be specified.', ...meta });
    if (!this.data.applications[name]) throw new ApplicationDoesNotExistException({ message: `No application found for name: ${name}`, ...meta });
  }

  /** @throws DeploymentIdRequiredException, DeploymentDoesNotExistException */
  deployment(id: string | undefined): StoredDeployment {
    if (!id) throw new DeploymentIdRequiredException({ message: 'The deployment id must be specified.', ...meta });
    const d = this.data.deployments[id];
    if (!d) throw new DeploymentDoesNotExistException({ message: `The deployment ${id} could not be found.`, ...meta });
    return d;
  }

  /** The traffic routing of a predefined or a created config. @throws DeploymentConfigDoesNotExistException */
  routing(configName: string): TrafficRouting {
    const routing = PREDEFINED_LAMBDA_CONFIGS[configName] ?? this.data.configs[configName]?.routing;
    if (!routing) throw new DeploymentConfigDoesNotExistException({ message: `No deployment configuration found for name: ${configName}`, ...meta });
    return routing;
  }
}
