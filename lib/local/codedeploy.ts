import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import {
  AlarmsLimitExceededException,
  ApplicationAlreadyExistsException,
  ApplicationDoesNotExistException,
  ApplicationNameRequiredException,
  type AutoRollbackConfiguration,
  type AutoRollbackEvent,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeploymentAlreadyCompletedException,
  DeploymentConfigAlreadyExistsException,
  DeploymentConfigDoesNotExistException,
  DeploymentConfigNameRequiredException,
  DeploymentDoesNotExistException,
  DeploymentGroupAlreadyExistsException,
  DeploymentGroupDoesNotExistException,
  DeploymentGroupNameRequiredException,
  DeploymentIdRequiredException,
  DeploymentLimitExceededException,
  type ErrorCode,
  GetDeploymentCommand,
  InvalidAlarmConfigException,
  InvalidAutoRollbackConfigException,
  InvalidComputePlatformException,
  InvalidDeploymentConfigNameException,
  InvalidLifecycleEventHookExecutionIdException,
  InvalidLifecycleEventHookExecutionStatusException,
  InvalidRevisionException,
  InvalidTrafficRoutingConfigurationException,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
  RevisionRequiredException,
  RoleRequiredException,
  StopDeploymentCommand,
  type TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, type GetAliasCommandOutput, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PREDEFINED_LAMBDA_CONFIGS, PREDEFINED_PREFIX, type TrafficRouting, trafficShifts } from '../../lambdas/core/deployment-config';
import type { CustomDeploymentConfig } from '../../lambdas/core/target-settings';
import { jsonOf, readStoreFile, writeStoreFile } from './store-file';

/** The event CodeDeploy invokes a Lambda lifecycle hook with. */
export interface HookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

/** Options of a {@link LocalCodeDeploy}. */
export interface LocalCodeDeployOptions {
  /** Where the state file (`codedeploy.json`) lives. */
  readonly dir: string;
  /** The local Lambda whose aliases the deployments shift (GetAlias / UpdateAlias with RevisionId). */
  readonly lambda: { send(command: unknown): Promise<unknown> };
  /** The local CloudWatch whose alarms the deployment groups watch (DescribeAlarms). */
  readonly cloudwatch: { send(command: unknown): Promise<unknown> };
  /**
   * Invokes a lifecycle hook function (the AppSpec's BeforeAllowTraffic / AfterAllowTraffic). The hook
   * reports its outcome with PutLifecycleEventHookExecutionStatus; a rejected invocation fails the hook.
   */
  readonly invokeHook: (functionName: string, event: HookEvent) => Promise<void>;
  /** Divides traffic-shift intervals and the hook timeout (60: a minute lasts a second). @default 1 */
  readonly speed?: number;
  /** How often a running deployment polls its alarms and hooks, in ms of real time. @default 1000 / speed, at least 10 */
  readonly tickMs?: number;
  /**
   * Where the deployments' state changes go, as CodeDeploy sends them to the default event bus
   * ("CodeDeploy Deployment State-change Notification": START, SUCCESS, FAILURE, STOP), once the
   * state is saved (GetDeployment reads it). @default - nowhere
   */
  readonly onStateChange?: (event: CodeDeployStateChangeEvent) => void;
  readonly log?: (line: string) => void;
}

type Status = 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped';

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

const EVENT_STATES: Partial<Record<Status, CodeDeployStateChangeEvent['detail']['state']>> = {
  InProgress: 'START',
  Succeeded: 'SUCCESS',
  Failed: 'FAILURE',
  Stopped: 'STOP',
};
type HookName = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

interface StoredGroup {
  readonly application: string;
  readonly name: string;
  readonly id: string;
  readonly serviceRoleArn: string;
  readonly deploymentConfigName: string;
  readonly alarms: { readonly enabled: boolean; readonly ignorePollAlarmFailure: boolean; readonly names: readonly string[] };
  readonly autoRollback: { readonly enabled: boolean; readonly events: readonly AutoRollbackEvent[] };
}

interface StoredConfig {
  readonly name: string;
  readonly id: string;
  readonly routing: TrafficRouting;
  readonly createTime: string;
}

interface HookExecution {
  readonly id: string;
  readonly hook: HookName;
  readonly functionName: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  /** Why it failed when the invocation itself failed. */
  reason?: string;
}

/** A Lambda AppSpec's one resource and its hooks. */
interface LambdaAppSpec {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly hooks: Partial<Record<HookName, string>>;
}

interface StoredDeployment {
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

interface State {
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

const ACTIVE: ReadonlySet<Status> = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready']);
const MINUTE_MS = 60_000;
/** CodeDeploy fails a hook that has not reported within an hour. */
const HOOK_TIMEOUT_MINUTES = 60;
const MAX_ALARMS = 10;
const meta = { $metadata: {} };
const groupKey = (application: string, group: string) => `${application}/${group}`;
/** CodeDeploy deployment ids look like `d-A1B2C3D4E`. */
const deploymentId = () => `d-${[...randomBytes(9)].map((b) => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[b % 36]).join('')}`;

/**
 * Local stand-in for CodeDeploy on the Lambda compute platform, with the same commands, outputs and
 * errors (the SDK's own exception classes): CreateApplication, CreateDeploymentConfig (TimeBasedCanary,
 * TimeBasedLinear, AllAtOnce; the `CodeDeployDefault.Lambda…` configs exist already), CreateDeploymentGroup
 * (alarms, auto-rollback events), CreateDeployment of an `AppSpecContent` revision (JSON or YAML; a
 * second active deployment in a group → DeploymentLimitExceededException), GetDeployment,
 * StopDeployment and PutLifecycleEventHookExecutionStatus.
 *
 * A deployment runs by itself: Created → InProgress; the BeforeAllowTraffic hook is invoked and must
 * report within 60 minutes; the alias shifts per the config's traffic shifts (intervals divided by
 * `speed`); then AfterAllowTraffic; Succeeded. Every tick it polls the group's alarms: one in ALARM
 * (or, unless `ignorePollAlarmFailure`, one that cannot be read) stops it with ALARM_ACTIVE, as
 * CodeDeploy does; a failed hook fails it with HOOK_EXECUTION_FAILURE; StopDeployment stops it with
 * MANUAL_STOP. When the auto-rollback events (or StopDeployment's `autoRollbackEnabled`) say so, the
 * alias goes back to CurrentVersion alone and a rollback deployment (creator `codeDeployRollback`) is
 * recorded in `rollbackInfo`. Unlike CodeDeploy, the rollback is done when StopDeployment answers
 * (status `Succeeded`, not `Pending`) and runs no hooks.
 *
 * State lives in memory and in `<dir>/codedeploy.json`, replaced atomically on every change; {@link load}
 * reads it back and fails (and rolls back) deployments that were running when the process stopped.
 */
export class LocalCodeDeploy {
  private state: State = { applications: {}, groups: {}, configs: {}, deployments: {} };
  private readonly speed: number;
  private readonly tickMs: number;
  private readonly file: string;
  private readonly runs = new Map<string, Promise<void>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: LocalCodeDeployOptions) {
    this.speed = options.speed ?? 1;
    this.tickMs = options.tickMs ?? Math.max(10, 1000 / this.speed);
    this.file = join(options.dir, 'codedeploy.json');
  }

  /**
   * Reads the state of an earlier run; deployments it left running are failed and rolled back (their
   * runs are gone). A state file that does not parse is moved to `codedeploy.json.corrupt-<time>` and
   * reported on the log and stderr; the stand-in then starts empty (the runtime creates a target's
   * deployment group again when a change deploys with it).
   */
  async load(): Promise<void> {
    const saved = await readStoreFile(this.file, {
      parse: jsonOf(SavedState),
      lost: "the local CodeDeploy's applications, deployment groups and deployments",
      log: this.options.log,
    });
    if (!saved) return;
    this.state = saved as unknown as State;
    for (const d of Object.values(this.state.deployments).filter((x) => ACTIVE.has(x.status))) {
      await this.end(d, 'Failed', 'INTERNAL_ERROR', 'The local CodeDeploy stopped while the deployment was in progress.', 'DEPLOYMENT_FAILURE');
    }
  }

  /** Ends every running deployment's polling (their status stays as it is); for tests and shutdown. */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.runs.values()]);
    await this.saving;
  }

  /** Resolves when the deployment's run has ended (tests). */
  async settled(id: string): Promise<void> {
    await this.runs.get(id);
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof CreateApplicationCommand) {
      const { applicationName: name, computePlatform } = command.input;
      if (!name) throw new ApplicationNameRequiredException({ message: 'The application name must be specified.', ...meta });
      if (computePlatform !== 'Lambda') {
        throw new InvalidComputePlatformException({
          message: `LocalCodeDeploy stands in for the Lambda compute platform only, got ${computePlatform}`,
          ...meta,
        });
      }
      if (this.state.applications[name]) throw new ApplicationAlreadyExistsException({ message: `${name} already exists in your account`, ...meta });
      const id = randomUUID();
      this.state.applications[name] = { id, createTime: new Date().toISOString() };
      await this.save();
      return { applicationId: id, ...meta };
    }
    if (command instanceof CreateDeploymentConfigCommand) {
      const { deploymentConfigName: name, computePlatform, trafficRoutingConfig } = command.input;
      if (!name) throw new DeploymentConfigNameRequiredException({ message: 'Deployment config name must be specified.', ...meta });
      if (name.startsWith(PREDEFINED_PREFIX)) {
        throw new InvalidDeploymentConfigNameException({ message: `Deployment config names may not start with ${PREDEFINED_PREFIX}: ${name}`, ...meta });
      }
      if (computePlatform !== 'Lambda') {
        throw new InvalidComputePlatformException({
          message: `LocalCodeDeploy stands in for the Lambda compute platform only, got ${computePlatform}`,
          ...meta,
        });
      }
      if (this.state.configs[name]) throw new DeploymentConfigAlreadyExistsException({ message: `Deployment config already exists: ${name}`, ...meta });
      const config: StoredConfig = { name, id: randomUUID(), routing: routingFrom(trafficRoutingConfig), createTime: new Date().toISOString() };
      this.state.configs[name] = config;
      await this.save();
      return { deploymentConfigId: config.id, ...meta };
    }
    if (command instanceof CreateDeploymentGroupCommand) {
      const input = command.input;
      this.application(input.applicationName);
      if (!input.deploymentGroupName) throw new DeploymentGroupNameRequiredException({ message: 'Deployment group name must be specified.', ...meta });
      if (!input.serviceRoleArn) throw new RoleRequiredException({ message: 'Service role ARN must be specified.', ...meta });
      const key = groupKey(input.applicationName ?? '', input.deploymentGroupName);
      if (this.state.groups[key]) {
        throw new DeploymentGroupAlreadyExistsException({
          message: `A deployment group named ${input.deploymentGroupName} already exists in application ${input.applicationName}`,
          ...meta,
        });
      }
      const deploymentConfigName = input.deploymentConfigName ?? 'CodeDeployDefault.LambdaAllAtOnce';
      this.routing(deploymentConfigName);
      const group: StoredGroup = {
        application: input.applicationName ?? '',
        name: input.deploymentGroupName,
        id: randomUUID(),
        serviceRoleArn: input.serviceRoleArn,
        deploymentConfigName,
        alarms: alarmsFrom(input.alarmConfiguration),
        autoRollback: autoRollbackFrom(input.autoRollbackConfiguration),
      };
      this.state.groups[key] = group;
      await this.save();
      return { deploymentGroupId: group.id, ...meta };
    }
    if (command instanceof CreateDeploymentCommand) return this.createDeployment(command);
    if (command instanceof GetDeploymentCommand) return { deploymentInfo: this.info(this.deployment(command.input.deploymentId)), ...meta };
    if (command instanceof StopDeploymentCommand) {
      const d = this.deployment(command.input.deploymentId);
      if (!ACTIVE.has(d.status)) throw new DeploymentAlreadyCompletedException({ message: `The deployment ${d.id} has already completed.`, ...meta });
      const rollback = command.input.autoRollbackEnabled ?? d.autoRollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST');
      await this.end(d, 'Stopped', 'MANUAL_STOP', 'The deployment was stopped by a StopDeployment request.', rollback ? 'always' : 'never');
      return { status: 'Succeeded', statusMessage: `Deployment ${d.id} stopped${rollback ? ' and rolled back' : ''}.`, ...meta };
    }
    if (command instanceof PutLifecycleEventHookExecutionStatusCommand) {
      const { deploymentId: id, lifecycleEventHookExecutionId: hookId, status } = command.input;
      const d = this.deployment(id);
      const hook = d.hooks.find((h) => h.id === hookId);
      if (!hook) {
        throw new InvalidLifecycleEventHookExecutionIdException({ message: `No lifecycle event hook execution ${hookId} in deployment ${d.id}`, ...meta });
      }
      if (status !== 'Succeeded' && status !== 'Failed') {
        throw new InvalidLifecycleEventHookExecutionStatusException({ message: `The status must be Succeeded or Failed, got ${status}`, ...meta });
      }
      if (hook.status !== 'InProgress' || !ACTIVE.has(d.status)) {
        throw new LifecycleEventAlreadyCompletedException({ message: `The ${hook.hook} lifecycle event of ${d.id} has already completed.`, ...meta });
      }
      hook.status = status;
      await this.save();
      return { lifecycleEventHookExecutionId: hook.id, ...meta };
    }
    throw new Error(`LocalCodeDeploy does not support ${(command as object).constructor.name}`);
  }

  private async createDeployment(command: CreateDeploymentCommand) {
    const input = command.input;
    this.application(input.applicationName);
    if (!input.deploymentGroupName) throw new DeploymentGroupNameRequiredException({ message: 'Deployment group name must be specified.', ...meta });
    const group = this.state.groups[groupKey(input.applicationName ?? '', input.deploymentGroupName)];
    if (!group) throw new DeploymentGroupDoesNotExistException({ message: `No Deployment Group found for name: ${input.deploymentGroupName}`, ...meta });
    const configName = input.deploymentConfigName ?? group.deploymentConfigName;
    this.routing(configName);
    const content = input.revision?.revisionType === 'AppSpecContent' ? input.revision.appSpecContent?.content : undefined;
    if (!content) throw new RevisionRequiredException({ message: 'A Lambda deployment needs an AppSpecContent revision.', ...meta });
    const appSpec = parseAppSpec(content);
    const active = Object.values(this.state.deployments).find((x) => x.application === group.application && x.group === group.name && ACTIVE.has(x.status));
    if (active) {
      throw new DeploymentLimitExceededException({ message: `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`, ...meta });
    }
    const d: StoredDeployment = {
      id: deploymentId(),
      application: group.application,
      group: group.name,
      configName,
      ...(input.description ? { description: input.description } : {}),
      creator: 'user',
      appSpec,
      sha256: createHash('sha256').update(content).digest('hex'),
      alarms: input.overrideAlarmConfiguration ? alarmsFrom(input.overrideAlarmConfiguration) : group.alarms,
      autoRollback: input.autoRollbackConfiguration ? autoRollbackFrom(input.autoRollbackConfiguration) : group.autoRollback,
      status: 'Created',
      createTime: new Date().toISOString(),
      hooks: [],
    };
    this.state.deployments[d.id] = d;
    await this.save();
    this.log(`CodeDeploy ${d.id}: ${appSpec.functionName}:${appSpec.alias} ${appSpec.currentVersion} → ${appSpec.targetVersion} (${configName})`);
    // Like CodeDeploy, the deployment runs after CreateDeployment has answered with its id.
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(d));
    this.runs.set(d.id, run);
    return { deploymentId: d.id, ...meta };
  }

  /** Runs a deployment to its end: hook, shifts, hook; any exception fails it (and rolls back per its events). */
  private async run(d: StoredDeployment): Promise<void> {
    try {
      await this.exclusive(d, async () => {
        if (d.status !== 'Created') return;
        d.status = 'InProgress';
        d.startTime = new Date().toISOString();
        await this.save();
        this.notify(d);
      });
      const alias = await this.alias(d).catch((err: Error) => err);
      if (alias instanceof Error) {
        await this.end(
          d,
          'Failed',
          'INVALID_LAMBDA_FUNCTION',
          `The alias ${d.appSpec.functionName}:${d.appSpec.alias} cannot be read: ${alias.message}`,
          'never',
        );
        return;
      }
      if (alias.FunctionVersion !== d.appSpec.currentVersion) {
        const message = `The alias ${d.appSpec.alias} points to version ${alias.FunctionVersion}, not to the AppSpec's CurrentVersion ${d.appSpec.currentVersion}.`;
        await this.end(d, 'Failed', 'INVALID_LAMBDA_CONFIGURATION', message, 'DEPLOYMENT_FAILURE');
        return;
      }
      if (!(await this.hook(d, 'BeforeAllowTraffic'))) return;
      const started = Date.now();
      for (const shift of trafficShifts(this.routing(d.configName))) {
        if ((await this.watch(d, started + (shift.afterMinutes * MINUTE_MS) / this.speed)) !== 'time') return;
        const shifted = await this.exclusive(d, async () => {
          if (!ACTIVE.has(d.status)) return false;
          await this.route(d, shift.percent);
          return true;
        });
        if (!shifted) return;
      }
      if ((await this.watch(d, Date.now())) !== 'time') return;
      if (!(await this.hook(d, 'AfterAllowTraffic'))) return;
      await this.exclusive(d, async () => {
        if (!ACTIVE.has(d.status)) return;
        d.status = 'Succeeded';
        d.completeTime = new Date().toISOString();
        await this.save();
        this.notify(d);
        this.log(`CodeDeploy ${d.id}: Succeeded`);
      });
    } catch (err) {
      if (this.closed) return;
      await this.end(d, 'Failed', 'INTERNAL_ERROR', `The deployment failed: ${(err as Error).message}`, 'DEPLOYMENT_FAILURE').catch(() => {});
    }
  }

  /**
   * Runs one lifecycle hook: invokes it and waits (watching the alarms) for its status.
   * @returns true when it succeeded or is not in the AppSpec; false when the deployment ended
   */
  private async hook(d: StoredDeployment, name: HookName): Promise<boolean> {
    const functionName = d.appSpec.hooks[name];
    if (!functionName) return true;
    const execution: HookExecution = { id: randomUUID(), hook: name, functionName, status: 'InProgress' };
    d.hooks.push(execution);
    await this.save();
    this.options.invokeHook(functionName, { DeploymentId: d.id, LifecycleEventHookExecutionId: execution.id }).catch((err: Error) => {
      if (execution.status !== 'InProgress') return;
      execution.status = 'Failed';
      execution.reason = `the hook function ${functionName} failed: ${err.message}`;
    });
    const outcome = await this.watch(d, Date.now() + (HOOK_TIMEOUT_MINUTES * MINUTE_MS) / this.speed, () => execution.status !== 'InProgress');
    if (outcome === 'ended') return false;
    if (outcome === 'done' && execution.status === 'Succeeded') return true;
    const why =
      outcome === 'time'
        ? `${functionName} did not report its status within ${HOOK_TIMEOUT_MINUTES} minutes`
        : (execution.reason ?? `${functionName} reported Failed`);
    await this.end(d, 'Failed', 'HOOK_EXECUTION_FAILURE', `The ${name} lifecycle event hook failed: ${why}.`, 'DEPLOYMENT_FAILURE');
    return false;
  }

  /**
   * Waits until `until` (epoch ms) or until `done()`, polling the alarms every tick; an alarm in
   * ALARM stops the deployment.
   * @returns `done`, `time` (the deadline passed), or `ended` (the deployment ended meanwhile)
   */
  private async watch(d: StoredDeployment, until: number, done?: () => boolean): Promise<'done' | 'time' | 'ended'> {
    for (;;) {
      if (this.closed || !ACTIVE.has(d.status)) return 'ended';
      const alarm = await this.alarmReason(d);
      if (alarm) {
        await this.end(d, 'Stopped', 'ALARM_ACTIVE', alarm, 'DEPLOYMENT_STOP_ON_ALARM');
        return 'ended';
      }
      if (done?.()) return 'done';
      const left = until - Date.now();
      if (left <= 0) return 'time';
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.tickMs, left)));
    }
  }

  /** Why the deployment's alarms stop it, if they do. */
  private async alarmReason(d: StoredDeployment): Promise<string | undefined> {
    const { enabled, ignorePollAlarmFailure, names } = d.alarms;
    if (!enabled || names.length === 0) return undefined;
    let out: DescribeAlarmsCommandOutput;
    try {
      out = (await this.options.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [...names] }))) as DescribeAlarmsCommandOutput;
    } catch (err) {
      return ignorePollAlarmFailure ? undefined : `The state of the alarms could not be retrieved from CloudWatch: ${(err as Error).message}`;
    }
    const alarms = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])];
    const firing = alarms.filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName);
    if (firing.length > 0) {
      return `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${firing.join(', ')}>`;
    }
    const missing = names.filter((n) => !alarms.some((a) => a.AlarmName === n));
    if (missing.length > 0 && !ignorePollAlarmFailure)
      return `The state of the alarms could not be retrieved from CloudWatch: no alarm named ${missing.join(', ')}`;
    return undefined;
  }

  /**
   * Ends an active deployment with `status` and the error, and rolls the alias back when `rollback`
   * is `always` or one of the deployment's auto-rollback events.
   */
  private async end(d: StoredDeployment, status: 'Failed' | 'Stopped', code: ErrorCode, message: string, rollback: AutoRollbackEvent | 'always' | 'never') {
    await this.exclusive(d, async () => {
      if (!ACTIVE.has(d.status)) return;
      const rollBack = rollback === 'always' || (rollback !== 'never' && d.autoRollback.enabled && d.autoRollback.events.includes(rollback));
      // As CodeDeploy: the rollback deployment exists (rollbackInfo names it) as soon as the deployment reads Stopped or Failed.
      const rollbackDeployment = rollBack ? this.createRollback(d) : undefined;
      d.status = status;
      d.completeTime = new Date().toISOString();
      d.error = { code, message };
      for (const h of d.hooks) if (h.status === 'InProgress') h.status = 'Failed';
      this.log(`CodeDeploy ${d.id}: ${status} (${code}) ${message}`);
      if (rollbackDeployment) {
        try {
          await this.applyRollback(d, rollbackDeployment);
        } catch (err) {
          rollbackDeployment.status = 'Failed';
          d.rollbackInfo = { ...d.rollbackInfo, rollbackMessage: `The rollback of ${d.id} failed: ${(err as Error).message}` };
          this.log(`CodeDeploy ${d.id}: ${d.rollbackInfo.rollbackMessage}`);
        }
      }
      await this.save();
      this.notify(d);
      if (rollbackDeployment) {
        this.notify({ ...rollbackDeployment, status: 'InProgress' });
        this.notify(rollbackDeployment);
      }
    });
  }

  /** Records the rollback deployment CodeDeploy creates for `d` (in progress) and names it in `d.rollbackInfo`. */
  private createRollback(d: StoredDeployment): StoredDeployment {
    const now = new Date().toISOString();
    const spec = d.appSpec;
    const rollback: StoredDeployment = {
      ...d,
      id: deploymentId(),
      creator: 'codeDeployRollback',
      appSpec: { ...spec, currentVersion: spec.targetVersion, targetVersion: spec.currentVersion, hooks: {} },
      description: `Rollback of ${d.id}`,
      status: 'InProgress',
      createTime: now,
      startTime: now,
      completeTime: undefined,
      error: undefined,
      rollbackInfo: { rollbackTriggeringDeploymentId: d.id },
      hooks: [],
    };
    this.state.deployments[rollback.id] = rollback;
    d.rollbackInfo = { rollbackDeploymentId: rollback.id, rollbackMessage: `Deployment ${d.id} was rolled back by deployment ${rollback.id}.` };
    return rollback;
  }

  /** Puts the alias back on CurrentVersion alone: the rollback deployment's work. */
  private async applyRollback(d: StoredDeployment, rollback: StoredDeployment): Promise<void> {
    const spec = d.appSpec;
    // The rollback puts the alias back whatever moved it meanwhile (no RevisionId): it must not lose to
    // another writer's revision, as CMV's own syncs of the same rollback are.
    await this.options.lambda.send(
      new UpdateAliasCommand({
        FunctionName: spec.functionName,
        Name: spec.alias,
        FunctionVersion: spec.currentVersion,
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
    rollback.status = 'Succeeded';
    rollback.completeTime = new Date().toISOString();
    this.log(`CodeDeploy ${d.id}: rolled back (${spec.functionName}:${spec.alias} → ${spec.currentVersion}) by ${rollback.id}`);
  }

  /** Routes `percent` % of the alias to TargetVersion (100: TargetVersion alone). */
  private async route(d: StoredDeployment, percent: number): Promise<void> {
    const spec = d.appSpec;
    const alias = await this.alias(d);
    if (alias.FunctionVersion !== spec.currentVersion && alias.FunctionVersion !== spec.targetVersion) {
      throw new Error(`the alias ${spec.alias} was moved to version ${alias.FunctionVersion} outside the deployment`);
    }
    await this.options.lambda.send(
      new UpdateAliasCommand({
        FunctionName: spec.functionName,
        Name: spec.alias,
        FunctionVersion: percent === 100 ? spec.targetVersion : spec.currentVersion,
        RoutingConfig: { AdditionalVersionWeights: percent === 100 ? {} : { [spec.targetVersion]: percent / 100 } },
        RevisionId: alias.RevisionId,
      }),
    );
    this.log(`CodeDeploy ${d.id}: ${percent}% of ${spec.functionName}:${spec.alias} on version ${spec.targetVersion}`);
  }

  private async alias(d: StoredDeployment): Promise<GetAliasCommandOutput> {
    return (await this.options.lambda.send(new GetAliasCommand({ FunctionName: d.appSpec.functionName, Name: d.appSpec.alias }))) as GetAliasCommandOutput;
  }

  /** Runs `fn` after every earlier exclusive section of the same deployment (state changes and alias updates never interleave). */
  private exclusive<T>(d: StoredDeployment, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(d.id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(fn);
    this.locks.set(d.id, next);
    return next;
  }

  /** Sends the deployment's state change to the bus, as CodeDeploy does (the states that have an event). */
  private notify(d: StoredDeployment): void {
    const state = EVENT_STATES[d.status];
    if (!state || !this.options.onStateChange) return;
    const region = 'local';
    const account = '000000000000';
    const group = this.state.groups[groupKey(d.application, d.group)];
    this.options.onStateChange({
      version: '0',
      'detail-type': 'CodeDeploy Deployment State-change Notification',
      source: 'aws.codedeploy',
      account,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      region,
      resources: [
        `arn:aws:codedeploy:${region}:${account}:application:${d.application}`,
        `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${d.application}/${d.group}`,
      ],
      detail: { instanceGroupId: group?.id ?? d.id, region, application: d.application, deploymentId: d.id, state, deploymentGroup: d.group },
    });
  }

  private info(d: StoredDeployment) {
    return {
      applicationName: d.application,
      deploymentGroupName: d.group,
      deploymentConfigName: d.configName,
      deploymentId: d.id,
      // GetDeployment never returns the AppSpec content, only its hash.
      revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: d.sha256 } },
      status: d.status,
      ...(d.error ? { errorInformation: d.error } : {}),
      createTime: new Date(d.createTime),
      ...(d.startTime ? { startTime: new Date(d.startTime) } : {}),
      ...(d.completeTime ? { completeTime: new Date(d.completeTime) } : {}),
      ...(d.description ? { description: d.description } : {}),
      creator: d.creator,
      autoRollbackConfiguration: { enabled: d.autoRollback.enabled, events: [...d.autoRollback.events] },
      ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      computePlatform: 'Lambda',
    };
  }

  private application(name: string | undefined): void {
    if (!name) throw new ApplicationNameRequiredException({ message: 'The application name must be specified.', ...meta });
    if (!this.state.applications[name]) throw new ApplicationDoesNotExistException({ message: `No application found for name: ${name}`, ...meta });
  }

  private deployment(id: string | undefined): StoredDeployment {
    if (!id) throw new DeploymentIdRequiredException({ message: 'The deployment id must be specified.', ...meta });
    const d = this.state.deployments[id];
    if (!d) throw new DeploymentDoesNotExistException({ message: `The deployment ${id} could not be found.`, ...meta });
    return d;
  }

  private routing(configName: string): TrafficRouting {
    const routing = PREDEFINED_LAMBDA_CONFIGS[configName] ?? this.state.configs[configName]?.routing;
    if (!routing) throw new DeploymentConfigDoesNotExistException({ message: `No deployment configuration found for name: ${configName}`, ...meta });
    return routing;
  }

  private save(): Promise<void> {
    const text = JSON.stringify(this.state, null, 2);
    this.saving = this.saving.then(() => writeStoreFile(this.file, text));
    return this.saving;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

/** The routing of CreateDeploymentConfig's `trafficRoutingConfig`, validated as CodeDeploy does for Lambda. */
function routingFrom(config: TrafficRoutingConfig | undefined): TrafficRouting {
  const invalid = (why: string) => new InvalidTrafficRoutingConfigurationException({ message: `Invalid traffic routing configuration: ${why}`, ...meta });
  const check = (percentage: number | undefined, interval: number | undefined) => {
    if (!Number.isInteger(percentage) || (percentage as number) < 1 || (percentage as number) > 99)
      throw invalid(`percentage must be 1 to 99, got ${percentage}`);
    if (!Number.isInteger(interval) || (interval as number) < 1) throw invalid(`interval must be a whole number of minutes, got ${interval}`);
    return { percentage: percentage as number, intervalMinutes: interval as number };
  };
  switch (config?.type) {
    case 'AllAtOnce':
      return { type: 'AllAtOnce' };
    case 'TimeBasedCanary':
      return { type: 'TimeBasedCanary', ...check(config.timeBasedCanary?.canaryPercentage, config.timeBasedCanary?.canaryInterval) };
    case 'TimeBasedLinear':
      return { type: 'TimeBasedLinear', ...check(config.timeBasedLinear?.linearPercentage, config.timeBasedLinear?.linearInterval) };
    default:
      throw invalid(`a Lambda config needs trafficRoutingConfig.type TimeBasedCanary, TimeBasedLinear or AllAtOnce, got ${config?.type}`);
  }
}

function alarmsFrom(config: { enabled?: boolean; ignorePollAlarmFailure?: boolean; alarms?: { name?: string }[] } | undefined): StoredGroup['alarms'] {
  const names = (config?.alarms ?? []).map((a) => a.name ?? '');
  if (names.length > MAX_ALARMS)
    throw new AlarmsLimitExceededException({ message: `At most ${MAX_ALARMS} alarms per deployment group, got ${names.length}`, ...meta });
  if (names.some((n) => !n) || new Set(names).size !== names.length || (config?.enabled && names.length === 0)) {
    throw new InvalidAlarmConfigException({ message: 'Alarm names must be set, unique, and present when the alarm configuration is enabled.', ...meta });
  }
  return { enabled: config?.enabled ?? false, ignorePollAlarmFailure: config?.ignorePollAlarmFailure ?? false, names };
}

function autoRollbackFrom(config: AutoRollbackConfiguration | undefined): StoredGroup['autoRollback'] {
  const events = config?.events ?? [];
  if (config?.enabled && events.length === 0) {
    throw new InvalidAutoRollbackConfigException({ message: 'Automatic rollback is enabled but no triggering event is listed.', ...meta });
  }
  return { enabled: config?.enabled ?? false, events };
}

/**
 * The one `AWS::Lambda::Function` resource and the hooks of a Lambda AppSpec (JSON or YAML).
 * @throws InvalidRevisionException when the content is not such an AppSpec
 */
function parseAppSpec(content: string): LambdaAppSpec {
  const invalid = (why: string) => new InvalidRevisionException({ message: `The AppSpec content is invalid: ${why}`, ...meta });
  let spec: { version?: unknown; Resources?: unknown; Hooks?: unknown };
  try {
    spec = parseYaml(content) ?? {};
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (Number(spec.version) !== 0) throw invalid(`version must be 0.0, got ${JSON.stringify(spec.version)}`);
  const resources = Array.isArray(spec.Resources) ? (spec.Resources as Record<string, unknown>[]) : [];
  if (resources.length !== 1 || Object.keys(resources[0] ?? {}).length !== 1) throw invalid('Resources must hold exactly one AWS::Lambda::Function');
  const resource = Object.values(resources[0])[0] as { Type?: string; Properties?: Record<string, unknown> };
  const p = resource?.Properties ?? {};
  if (resource?.Type !== 'AWS::Lambda::Function') throw invalid(`the resource type must be AWS::Lambda::Function, got ${resource?.Type}`);
  for (const field of ['Name', 'Alias', 'CurrentVersion', 'TargetVersion']) {
    if (typeof p[field] !== 'string' && typeof p[field] !== 'number') throw invalid(`Properties.${field} is missing`);
  }
  const hooks: Partial<Record<HookName, string>> = {};
  for (const entry of Array.isArray(spec.Hooks) ? (spec.Hooks as Record<string, unknown>[]) : []) {
    for (const [name, fn] of Object.entries(entry ?? {})) {
      if (name !== 'BeforeAllowTraffic' && name !== 'AfterAllowTraffic') throw invalid(`${name} is not a Lambda lifecycle event`);
      if (typeof fn !== 'string' || !fn) throw invalid(`the ${name} hook must name a function`);
      hooks[name] = fn;
    }
  }
  return {
    functionName: String(p.Name),
    alias: String(p.Alias),
    currentVersion: String(p.CurrentVersion),
    targetVersion: String(p.TargetVersion),
    hooks,
  };
}

/** What CodeDeploy needs for one registered target: see {@link provisionDeploymentGroup}. */
export interface DeploymentGroupSpec {
  readonly application: string;
  /** The deployment group's name: the target's name (CMV creates deployments in the group named after the target). */
  readonly deploymentGroup: string;
  /** The group's default config (a full `CodeDeployDefault.Lambda…` name or a custom config's name). */
  readonly deploymentConfig: string;
  readonly customConfigs: readonly CustomDeploymentConfig[];
  readonly alarmNames: readonly string[];
}

/**
 * Creates what the CDK stack creates for a target, through the API: the application, the target's
 * custom deployment configs and its deployment group (its alarms; auto-rollback on failure, on
 * alarm and on stop). What already exists is kept as it is (a restart finds it in the state file).
 */
export async function provisionDeploymentGroup(codedeploy: { send(command: unknown): Promise<unknown> }, spec: DeploymentGroupSpec): Promise<void> {
  const unlessExists = async (command: unknown, exists: string) => {
    try {
      await codedeploy.send(command);
    } catch (err) {
      if ((err as Error).name !== exists) throw err;
    }
  };
  await unlessExists(new CreateApplicationCommand({ applicationName: spec.application, computePlatform: 'Lambda' }), 'ApplicationAlreadyExistsException');
  for (const c of spec.customConfigs) {
    const trafficRoutingConfig: TrafficRoutingConfig =
      c.type === 'canary'
        ? { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: c.percentage, canaryInterval: c.intervalMinutes } }
        : { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: c.percentage, linearInterval: c.intervalMinutes } };
    await unlessExists(
      new CreateDeploymentConfigCommand({ deploymentConfigName: c.name, computePlatform: 'Lambda', trafficRoutingConfig }),
      'DeploymentConfigAlreadyExistsException',
    );
  }
  await unlessExists(
    new CreateDeploymentGroupCommand({
      applicationName: spec.application,
      deploymentGroupName: spec.deploymentGroup,
      serviceRoleArn: 'arn:aws:iam::000000000000:role/cmv-local-codedeploy',
      deploymentConfigName: spec.deploymentConfig,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      alarmConfiguration: { enabled: spec.alarmNames.length > 0, alarms: spec.alarmNames.map((name) => ({ name })) },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
    }),
    'DeploymentGroupAlreadyExistsException',
  );
}
