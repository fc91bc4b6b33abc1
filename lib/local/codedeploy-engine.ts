import { randomUUID } from 'node:crypto';
import { DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { AutoRollbackEvent, ErrorCode } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, type GetAliasCommandOutput, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { trafficShifts } from '../../lambdas/core/deployment-config';
import {
  ACTIVE,
  type CodeDeployRecords,
  type CodeDeployStateChangeEvent,
  deploymentId,
  groupKey,
  type HookEvent,
  type HookExecution,
  type HookName,
  type Status,
  type StoredDeployment,
} from './codedeploy-records';

const EVENT_STATES: Partial<Record<Status, CodeDeployStateChangeEvent['detail']['state']>> = {
  InProgress: 'START',
  Succeeded: 'SUCCESS',
  Failed: 'FAILURE',
  Stopped: 'STOP',
};
const MINUTE_MS = 60_000;
/** CodeDeploy fails a hook that has not reported within an hour. */
const HOOK_TIMEOUT_MINUTES = 60;

/** What the engine runs deployments with (LocalCodeDeploy's options, but its state file). */
export interface DeploymentEngineOptions {
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

/**
 * Runs the local CodeDeploy's deployments, as CodeDeploy runs one on the Lambda compute platform:
 * Created → InProgress; the BeforeAllowTraffic hook is invoked and must report within 60 minutes;
 * the alias shifts per the config's traffic shifts (intervals divided by `speed`); then
 * AfterAllowTraffic; Succeeded. Every tick it polls the deployment's alarms: one in ALARM (or, unless
 * `ignorePollAlarmFailure`, one that cannot be read) stops it with ALARM_ACTIVE; a failed hook fails
 * it with HOOK_EXECUTION_FAILURE. When its auto-rollback events say so, {@link end} puts the alias
 * back on CurrentVersion alone and records the rollback deployment (creator `codeDeployRollback`) in
 * `rollbackInfo`. Unlike CodeDeploy, the rollback is done when `end` resolves and runs no hooks.
 */
export class DeploymentEngine {
  private readonly speed: number;
  private readonly tickMs: number;
  private readonly runs = new Map<string, Promise<void>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly records: CodeDeployRecords,
    private readonly options: DeploymentEngineOptions,
  ) {
    this.speed = options.speed ?? 1;
    this.tickMs = options.tickMs ?? Math.max(10, 1000 / this.speed);
  }

  /** Starts running a created deployment, after the current call has answered (as CreateDeployment answers with its id first). */
  start(d: StoredDeployment): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run(d));
    this.runs.set(d.id, run);
  }

  /** Ends every running deployment's polling (their status stays as it is). */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.runs.values()]);
  }

  /** Resolves when the deployment's run has ended. */
  async settled(id: string): Promise<void> {
    await this.runs.get(id);
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
  async end(d: StoredDeployment, status: 'Failed' | 'Stopped', code: ErrorCode, message: string, rollback: AutoRollbackEvent | 'always' | 'never') {
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
    this.records.data.deployments[rollback.id] = rollback;
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
    const group = this.records.data.groups[groupKey(d.application, d.group)];
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

  private save(): Promise<void> {
    return this.records.save();
  }

  private routing(configName: string) {
    return this.records.routing(configName);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
