import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  type CreateScheduleInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import { jsonOf, readStoreFile, writeStoreFile } from './store-file';

/**
 * Local stand-in for Amazon EventBridge Scheduler's one-time schedules, with the SDK's own commands
 * and exception classes: CreateScheduleGroup, CreateSchedule, GetSchedule and DeleteSchedule. What
 * it refuses, as the CreateSchedule API reference says AWS does:
 * - a name or group name that is not 1–64 of `[0-9a-zA-Z-_.]` (ValidationException);
 * - a group that does not exist (ResourceNotFoundException; `default` always exists);
 * - a name already used in its group (ConflictException), and DeleteSchedule / GetSchedule of one
 *   that does not exist (ResourceNotFoundException);
 * - an expression other than `at(yyyy-mm-ddThh:mm:ss)` — the only kind CMV uses; `rate(…)` and
 *   `cron(…)` are refused as unsupported here — or an `at()` that is not a real date and time in
 *   `ScheduleExpressionTimezone` (an IANA zone, default UTC), or one already past: AWS rejects a
 *   one-time schedule whose time has passed (ValidationException);
 * - `FlexibleTimeWindow` missing, `FLEXIBLE` without a window of 1–1440 minutes or `OFF` with one;
 * - a `Target` without `Arn`, or whose `RoleArn` is not an IAM role ARN; a `RetryPolicy` outside
 *   60–86,400 s of event age and 0–185 attempts; `ActionAfterCompletion` other than NONE or DELETE;
 *   `State` other than ENABLED or DISABLED.
 *
 * An ENABLED schedule invokes its target (`invoke(arn, input)`, the Lambda the runtime runs by that
 * ARN) once at its time — AWS's precision is a minute, here it fires on the second; a FLEXIBLE window
 * fires at its start — retrying a failed invocation (up to the retry policy's attempts, at most 3
 * here, with a short backoff). Then, with ActionAfterCompletion DELETE, the schedule is deleted.
 * Schedules live in memory and in `<dir>/schedules.json`, replaced atomically on every change;
 * {@link load} reads them back and fires the ones whose time passed while the runtime was down.
 */

/** Invokes a schedule's target: the function `arn` with the schedule's `Input` (parsed JSON). */
export type ScheduleTarget = (arn: string, input: unknown) => Promise<unknown>;

/** Options of a {@link LocalScheduler}. */
export interface LocalSchedulerOptions {
  /** Where `schedules.json` lives. */
  readonly dir: string;
  readonly invoke: ScheduleTarget;
  readonly log?: (line: string) => void;
}

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
/** setTimeout holds at most 2^31 − 1 ms (24.8 days); a later time is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_LOCAL_ATTEMPTS = 3;
const meta = { $metadata: {} };

const StoredSchedule = z.object({
  arn: z.string(),
  name: z.string(),
  group: z.string(),
  expression: z.string(),
  timezone: z.string(),
  /** When it fires, epoch ms. */
  fireAt: z.number(),
  state: z.enum(['ENABLED', 'DISABLED']),
  target: z.object({ arn: z.string(), roleArn: z.string(), input: z.string().optional(), maximumRetryAttempts: z.number() }),
  actionAfterCompletion: z.enum(['NONE', 'DELETE']),
  flexibleTimeWindow: z.object({ mode: z.enum(['OFF', 'FLEXIBLE']), maximumWindowInMinutes: z.number().optional() }),
  description: z.string().optional(),
  creationDate: z.string(),
  /** Set once it invoked its target (a schedule kept with NONE does not fire again). */
  completed: z.boolean().optional(),
});
type StoredSchedule = z.infer<typeof StoredSchedule>;

const SavedState = z.object({ groups: z.array(z.string()), schedules: z.array(StoredSchedule) });

const invalid = (message: string) => new ValidationException({ Message: message, message, ...meta });
const notFound = (message: string) => new ResourceNotFoundException({ Message: message, message, ...meta });

/** Local stand-in for EventBridge Scheduler (one-time `at()` schedules): see the module comment. */
export class LocalScheduler implements AwsClient {
  private groups = new Set<string>(['default']);
  private readonly schedules = new Map<string, StoredSchedule>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly firing = new Set<Promise<void>>();
  private readonly file: string;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.file = join(options.dir, 'schedules.json');
  }

  /**
   * Reads the schedules of an earlier run and arms them; one whose time passed fires now. A state
   * file that does not parse is quarantined and reported, and the stand-in starts empty (the
   * workflow's sweep then delivers what those schedules would have).
   */
  async load(): Promise<void> {
    const saved = await readStoreFile(this.file, { parse: jsonOf(SavedState), lost: 'the local EventBridge Scheduler schedules', log: this.options.log });
    if (!saved) return;
    this.groups = new Set(['default', ...saved.groups]);
    for (const s of saved.schedules) {
      this.schedules.set(key(s.group, s.name), s);
      this.arm(s);
    }
  }

  /** Clears every timer and waits for invocations in flight (shutdown, tests); schedules stay saved. */
  async stop(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.firing]);
    await this.saving;
  }

  /** Resolves when no invocation is in flight (tests). */
  async settled(): Promise<void> {
    while (this.firing.size > 0) await Promise.allSettled([...this.firing]);
    await this.saving;
  }

  private static readonly commands = new CommandTable<LocalScheduler>('LocalScheduler')
    .on(CreateScheduleGroupCommand, (s, c) => s.createGroup(c.input))
    .on(CreateScheduleCommand, (s, c) => s.create(c.input))
    .on(GetScheduleCommand, (s, c) => s.getSchedule(c.input))
    .on(DeleteScheduleCommand, (s, c) => s.deleteSchedule(c.input));

  /** Answers CreateScheduleGroup, CreateSchedule, GetSchedule and DeleteSchedule; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalScheduler.commands.dispatch(this, command);
  }

  private async createGroup(input: CreateScheduleGroupCommand['input']): Promise<unknown> {
    const name = input.Name ?? '';
    if (!NAME.test(name)) throw invalid(`Name '${name}' must be 1 to 64 of [0-9a-zA-Z-_.]`);
    if (this.groups.has(name))
      throw new ConflictException({ Message: `Schedule group ${name} already exists.`, message: `Schedule group ${name} already exists.`, ...meta });
    this.groups.add(name);
    await this.save();
    return { ScheduleGroupArn: `arn:aws:scheduler:local:000000000000:schedule-group/${name}`, ...meta };
  }

  private async getSchedule(input: GetScheduleCommand['input']): Promise<unknown> {
    const s = this.find(input.GroupName, input.Name);
    return {
      Arn: s.arn,
      Name: s.name,
      GroupName: s.group,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone,
      State: s.state,
      ActionAfterCompletion: s.actionAfterCompletion,
      FlexibleTimeWindow: { Mode: s.flexibleTimeWindow.mode, MaximumWindowInMinutes: s.flexibleTimeWindow.maximumWindowInMinutes },
      Target: {
        Arn: s.target.arn,
        RoleArn: s.target.roleArn,
        Input: s.target.input,
        RetryPolicy: { MaximumRetryAttempts: s.target.maximumRetryAttempts },
      },
      Description: s.description,
      CreationDate: new Date(s.creationDate),
      ...meta,
    };
  }

  private async deleteSchedule(input: DeleteScheduleCommand['input']): Promise<unknown> {
    const s = this.find(input.GroupName, input.Name);
    this.remove(s);
    await this.save();
    return meta;
  }

  private async create(input: CreateScheduleInput): Promise<unknown> {
    const name = input.Name ?? '';
    const group = input.GroupName ?? 'default';
    if (!NAME.test(name)) throw invalid(`Name '${name}' must be 1 to 64 of [0-9a-zA-Z-_.]`);
    if (!NAME.test(group)) throw invalid(`GroupName '${group}' must be 1 to 64 of [0-9a-zA-Z-_.]`);
    if (!this.groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    if (this.schedules.has(key(group, name)))
      throw new ConflictException({ Message: `Schedule ${name} already exists.`, message: `Schedule ${name} already exists.`, ...meta });
    if ((input.Description?.length ?? 0) > 512) throw invalid('Description must be at most 512 characters');
    const timezone = input.ScheduleExpressionTimezone ?? 'UTC';
    const fireAt = fireTime(input.ScheduleExpression ?? '', timezone);
    if (fireAt <= Date.now()) throw invalid(`The schedule expression ${input.ScheduleExpression} is in the past.`);
    const window = input.FlexibleTimeWindow;
    if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')) throw invalid('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
    const minutes = window.MaximumWindowInMinutes;
    if (window.Mode === 'FLEXIBLE' && !(Number.isInteger(minutes) && (minutes as number) >= 1 && (minutes as number) <= 1440)) {
      throw invalid('FlexibleTimeWindow.MaximumWindowInMinutes must be 1 to 1440 when Mode is FLEXIBLE');
    }
    if (window.Mode === 'OFF' && minutes !== undefined) throw invalid('FlexibleTimeWindow.MaximumWindowInMinutes must not be set when Mode is OFF');
    const target = input.Target;
    if (!target?.Arn) throw invalid('Target.Arn is required');
    if (!target.RoleArn || !ROLE_ARN.test(target.RoleArn)) throw invalid(`Target.RoleArn '${target.RoleArn ?? ''}' is not an IAM role ARN`);
    if (target.Input !== undefined && target.Input.length === 0) throw invalid('Target.Input must not be empty');
    if (target.Input !== undefined && target.Arn.startsWith('arn:aws:lambda:') && !isJson(target.Input)) {
      throw invalid('Target.Input of a Lambda target must be well-formed JSON');
    }
    const age = target.RetryPolicy?.MaximumEventAgeInSeconds;
    if (age !== undefined && (age < 60 || age > 86_400)) throw invalid('Target.RetryPolicy.MaximumEventAgeInSeconds must be 60 to 86400');
    const attempts = target.RetryPolicy?.MaximumRetryAttempts ?? 185;
    if (attempts < 0 || attempts > 185) throw invalid('Target.RetryPolicy.MaximumRetryAttempts must be 0 to 185');
    const action = input.ActionAfterCompletion ?? 'NONE';
    if (action !== 'NONE' && action !== 'DELETE') throw invalid('ActionAfterCompletion must be NONE or DELETE');
    const state = input.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw invalid('State must be ENABLED or DISABLED');
    const s: StoredSchedule = {
      arn: `arn:aws:scheduler:local:000000000000:schedule/${group}/${name}`,
      name,
      group,
      expression: input.ScheduleExpression ?? '',
      timezone,
      fireAt,
      state,
      target: { arn: target.Arn, roleArn: target.RoleArn, input: target.Input, maximumRetryAttempts: attempts },
      actionAfterCompletion: action,
      flexibleTimeWindow: { mode: window.Mode, ...(minutes !== undefined ? { maximumWindowInMinutes: minutes } : {}) },
      ...(input.Description ? { description: input.Description } : {}),
      creationDate: new Date().toISOString(),
    };
    this.schedules.set(key(group, name), s);
    await this.save();
    this.arm(s);
    return { ScheduleArn: s.arn, ...meta };
  }

  private find(groupName: string | undefined, name: string | undefined): StoredSchedule {
    const group = groupName ?? 'default';
    if (!this.groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    const s = this.schedules.get(key(group, name ?? ''));
    if (!s) throw notFound(`Schedule ${name} does not exist.`);
    return s;
  }

  /** Sets the timer of an enabled schedule that has not fired (in steps for a time beyond 24.8 days). */
  private arm(s: StoredSchedule): void {
    if (this.closed || s.state !== 'ENABLED' || s.completed) return;
    const id = key(s.group, s.name);
    clearTimeout(this.timers.get(id));
    const left = s.fireAt - Date.now();
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        if (this.schedules.get(id) !== s) return;
        if (s.fireAt > Date.now()) return this.arm(s);
        const run = this.fire(s).finally(() => this.firing.delete(run));
        this.firing.add(run);
      },
      Math.max(0, Math.min(left, MAX_TIMER_MS)),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Invokes the target, retrying a failure, then completes the schedule (deleted with DELETE). */
  private async fire(s: StoredSchedule): Promise<void> {
    // A Lambda target gets the input as its event; without one, EventBridge Scheduler sends its own notification.
    const input = s.target.input === undefined ? { 'schedule-arn': s.arn } : JSON.parse(s.target.input);
    const attempts = 1 + Math.min(s.target.maximumRetryAttempts, MAX_LOCAL_ATTEMPTS - 1);
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return;
      try {
        await this.options.invoke(s.target.arn, input);
        break;
      } catch (err) {
        if (attempt >= attempts) {
          this.options.log?.(`schedule ${s.group}/${s.name}: ${s.target.arn} failed ${attempt} time(s), giving up: ${(err as Error).message}`);
          break;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    if (this.closed || this.schedules.get(key(s.group, s.name)) !== s) return;
    if (s.actionAfterCompletion === 'DELETE') this.remove(s);
    else s.completed = true;
    await this.save();
  }

  private remove(s: StoredSchedule): void {
    const id = key(s.group, s.name);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.schedules.delete(id);
  }

  private save(): Promise<void> {
    const text = JSON.stringify({ groups: [...this.groups].filter((g) => g !== 'default'), schedules: [...this.schedules.values()] }, null, 2);
    this.saving = this.saving.then(() => writeStoreFile(this.file, text));
    return this.saving;
  }
}

const key = (group: string, name: string) => `${group}/${name}`;

/**
 * When an `at(yyyy-mm-ddThh:mm:ss)` expression fires, as epoch ms, its time read in `timezone`.
 * @throws ValidationException for another expression, a time that does not exist, or an unknown zone
 */
export function fireTime(expression: string, timezone: string): number {
  if (/^(rate|cron)\(.*\)$/.test(expression)) throw invalid(`The local scheduler supports one-time at() schedules only, got ${expression}`);
  const m = AT.exec(expression);
  if (!m) throw invalid(`Invalid Schedule Expression ${expression}: expected at(yyyy-mm-ddThh:mm:ss)`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const time = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: timezone });
  if (!time.isValid) {
    throw invalid(
      time.invalidReason === 'unsupported zone' ? `Invalid ScheduleExpressionTimezone ${timezone}` : `Invalid Schedule Expression ${expression}: no such time`,
    );
  }
  // Luxon moves a wall-clock time that a DST change skips; AWS names a time that exists.
  if (time.hour !== hour || time.minute !== minute || time.day !== day) throw invalid(`Invalid Schedule Expression ${expression}: no such time in ${timezone}`);
  return time.toMillis();
}

/** Whether a Lambda target's input is well-formed JSON (EventBridge Scheduler's templated Lambda target requires it). */
function isJson(input: string): boolean {
  try {
    JSON.parse(input);
    return true;
  } catch {
    return false;
  }
}
