import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import {
  checkExecutionName,
  checkRequestPayload,
  dataLimitExceeded,
  HISTORY_LIMIT_CAUSE,
  HISTORY_LIMIT_EVENTS,
  HistoryEventCounter,
  PAYLOAD_LIMIT_BYTES,
  payloadBytes,
  resourceLabel,
} from './step-functions-limits';
import { jsonOf, readStoreFile, report, writeStoreFile } from './store-file';

// aws-local-stepfunctions 3 needs Promise.withResolvers (Node ≥ 22); polyfill it on Node 20.
if (typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers !== 'function') {
  (Promise as unknown as { withResolvers: () => unknown }).withResolvers = function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}
// Loaded after the polyfill.
const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

/** How long stop() waits for aborted executions' tasks to end (ms): a handler's own calls, a loaded machine's seconds. */
const STOP_GRACE_MS = 60_000;

type Json = Record<string, unknown>;
type StateDefinition = { Type: string; Resource?: string; Parameters?: Json; SecondsPath?: string; Seconds?: number };
type Definition = { StartAt: string; States: Record<string, StateDefinition> };

/** A Lambda task handler the local runtime calls in-process, by function ARN. */
export type LocalTask = (input: unknown) => Promise<unknown>;

/** An execution as `DescribeExecution` reports it, plus the state it is in (persisted for restarts). */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly startDate: string;
  stopDate?: string;
  readonly input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The state it was last in and that state's input: where a restart resumes. */
  currentState?: string;
  currentInput?: unknown;
  history: { type: string; timestamp: number; state?: string; error?: string }[];
}

/** What {@link LocalStepFunctions.resume} needs of a saved execution; a file that is not this is quarantined. */
const SavedExecution = z.looseObject({
  executionArn: z.string(),
  name: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED']),
  startDate: z.string(),
  input: z.string(),
  currentState: z.string().optional(),
  history: z.array(z.looseObject({ type: z.string(), timestamp: z.number() })),
});

/** Options of the local Step Functions. */
export interface LocalStepFunctionsOptions {
  /** The ASL definition with `${Placeholders}` substituted. */
  readonly definition: Definition;
  readonly stateMachineArn: string;
  /** Function ARN → handler, for Lambda tasks (plain ARN resources and lambda:invoke.waitForTaskToken). */
  readonly lambdas: Record<string, LocalTask>;
  /** Service integrations by resource ARN, e.g. `arn:aws:states:::codebuild:startBuild.sync`. */
  readonly integrations: Record<string, LocalTask>;
  /** Where executions are kept, so a restart resumes them. */
  readonly dir: string;
  /** Divides every Wait (bake) time: 60 turns a 60 s bake into 1 s. */
  readonly speed: number;
  readonly log?: (line: string) => void;
  /** Called each time an execution entered a state and saved it as its current state, before the state runs (crash points). */
  readonly onStateEntered?: (stateName: string) => void;
  /**
   * Where a definition that passed validation leaves a mark (named by the SHA-256 of the definition
   * and the interpreter's version), so that a later start with the same definition — a restart, the
   * next test file — skips validating it again (about a second of CPU: the ASL JSON schema is compiled
   * each time). A definition without a mark is validated, and one that fails leaves none.
   * @default none: validated at every start
   */
  readonly validatedDir?: string;
}

/** The interpreter's version: a mark of validation holds for the validator that made it. */
const INTERPRETER_VERSION = (
  JSON.parse(readFileSync(join(dirname(require.resolve('aws-local-stepfunctions')), '..', 'package.json'), 'utf8')) as { version: string }
).version;

const err = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Local stand-in for Step Functions: runs the same ASL file in aws-local-stepfunctions.
 * StartExecution (unique names; a repeat of a running one's name and input answers with it), SendTaskSuccess / SendTaskFailure (task tokens of
 * `.waitForTaskToken` states), DescribeExecution. Overrides are keyed by state name, derived from
 * the definition: a Task whose resource is a function ARN calls that function's handler; a
 * service integration calls its stand-in. Each execution's current state and input are saved
 * under `dir`; on start, RUNNING executions resume from that state (a waiting approval gets a new
 * task token; the e-mailed links keep working because they name the change, not the token).
 * A Task runs only once its state is saved, so a restart never resumes behind a task that started.
 * The record (`<name>.json`) is written whole, atomically, at StartExecution and when the execution
 * ends; in between each history event is appended to its journal (`<name>.jsonl`, a StateEntered line
 * with the state's input), so a state costs a line, not a rewrite of the whole history. A record
 * that does not parse at start (a crash of a run before saves were atomic, a hand edit) is
 * quarantined and reported with the change it belonged to; a torn journal line is skipped.
 * It refuses what Step Functions refuses (step-functions-limits.ts): execution names that are not
 * 1–80 allowed characters (InvalidName, ValidationException), request payloads over 256 KiB
 * (ValidationException); a task input or result over 256 KiB fails the task with
 * States.DataLimitExceeded, a state output over 256 KiB fails the execution with it; an execution
 * whose history (counted as AWS writes it) reaches 25,000 events fails with States.Runtime. Both
 * execution failures end it at once, whatever its Catch says.
 */
export class LocalStepFunctions implements AwsClient {
  private readonly machines = new Map<string, InstanceType<typeof StateMachine>>();
  private readonly executions = new Map<string, ExecutionRecord>();
  /** Waiting tasks by task token, with the name of the execution they belong to. */
  private readonly tokens = new Map<string, { execution: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly opts: LocalStepFunctionsOptions) {}

  private static readonly commands = new CommandTable<LocalStepFunctions>('LocalStepFunctions')
    .on(StartExecutionCommand, (s, c) => s.startExecution(c.input))
    .on(SendTaskSuccessCommand, (s, c) => {
      checkRequestPayload('output', c.input.output ?? '');
      s.takeWaiter(c.input.taskToken).resolve(JSON.parse(c.input.output ?? 'null'));
      return {};
    })
    .on(SendTaskFailureCommand, (s, c) => {
      s.takeWaiter(c.input.taskToken).reject(err(c.input.error ?? 'TaskFailed', c.input.cause ?? ''));
      return {};
    })
    .on(DescribeExecutionCommand, (s, c) => s.describeExecution(c.input));

  /** Answers StartExecution, SendTaskSuccess, SendTaskFailure and DescribeExecution; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalStepFunctions.commands.dispatch(this, command);
  }

  private async startExecution(input: StartExecutionCommand['input']): Promise<unknown> {
    const name = input.name ?? randomUUID();
    checkExecutionName(name);
    checkRequestPayload('input', input.input ?? '{}');
    const existing = this.executions.get(name);
    // Idempotent as in Step Functions (Standard): the same name and input as a running execution answer with that execution.
    if (existing?.status === 'RUNNING' && existing.input === (input.input ?? '{}')) {
      return { executionArn: existing.executionArn, startDate: new Date(existing.startDate) };
    }
    if (existing) throw err('ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
    const record: ExecutionRecord = {
      executionArn: `${this.opts.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input: input.input ?? '{}',
      history: [],
    };
    this.executions.set(name, record);
    await this.save(record);
    this.launch(record, this.opts.definition.StartAt, JSON.parse(record.input));
    return { executionArn: record.executionArn, startDate: new Date(record.startDate) };
  }

  /** The task waiting on `token`, which the answer spends. @throws TaskTimedOut when no task waits on it (unknown, already answered or timed out) */
  private takeWaiter(token = ''): { resolve: (v: unknown) => void; reject: (e: Error) => void } {
    const waiter = this.tokens.get(token);
    if (!waiter) throw err('TaskTimedOut', 'Task Timed Out: the task token is unknown, already used or timed out');
    this.tokens.delete(token);
    return waiter;
  }

  private async describeExecution(input: DescribeExecutionCommand['input']): Promise<unknown> {
    const name = (input.executionArn ?? '').split(':').pop() ?? '';
    const record = this.executions.get(name);
    if (!record) throw err('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
    return { ...record, startDate: new Date(record.startDate), stopDate: record.stopDate ? new Date(record.stopDate) : undefined };
  }

  /**
   * Loads saved executions and resumes those still RUNNING. A file that does not parse is moved to
   * `<name>.json.corrupt-<time>` and reported on the log and stderr, naming the change (execution
   * name = change id) whose workflow is lost; the others load as usual.
   * @returns how many resumed
   */
  async resume(): Promise<number> {
    if (!existsSync(this.opts.dir)) return 0;
    let resumed = 0;
    for (const file of await readdir(this.opts.dir)) {
      if (!file.endsWith('.json')) continue;
      const saved = await readStoreFile(join(this.opts.dir, file), {
        parse: jsonOf(SavedExecution),
        lost: `the execution of change ${file.slice(0, -'.json'.length)}`,
        log: this.opts.log,
      });
      if (!saved) continue;
      const record = saved as ExecutionRecord;
      this.executions.set(record.name, record);
      if (record.status !== 'RUNNING') {
        // Ended, and its journal not yet removed when the process stopped: the record holds it all.
        await rm(this.journalFile(record.name), { force: true });
        continue;
      }
      const journal = await this.readJournal(record.name);
      record.history = [...record.history, ...journal.history];
      // A record saved whole at each state (before the journal) names its current state itself.
      if (journal.current) {
        record.currentState = journal.current.state;
        record.currentInput = journal.current.input;
      }
      // StartExecution answered once the record was saved: an execution killed before it saved its first state starts at StartAt.
      const at = record.currentState ?? this.opts.definition.StartAt;
      this.opts.log?.(`↻  resuming execution ${record.name} at ${at}`);
      this.launch(record, at, record.currentState ? record.currentInput : JSON.parse(record.input));
      resumed++;
    }
    return resumed;
  }

  /** An execution's record (status, history). */
  execution(name: string): ExecutionRecord | undefined {
    return this.executions.get(name);
  }

  /** Resolves when no execution is running (tests, the demo). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Aborts every execution (shutdown). Their saved state stays RUNNING, so the next start resumes
   * them. The abort comes first: the interpreter leaves its loop before the next state, so the
   * waiting tasks rejected after it (which clears their timeout timers) never reach a `Catch`, and
   * no change is marked failed by a shutdown.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const abort of this.aborts) abort();
    this.rejectTokens();
    // An abort ends an execution before its next state, not the task running in it (an in-process
    // handler runs to its end): wait for those too, or they would go on writing and logging after the
    // runtime is gone (under jest: "Cannot log after tests are done", which fails the run).
    await Promise.race([Promise.allSettled([...this.running, ...this.tasks]), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
  }

  private rejectTokens(): void {
    for (const [token, waiter] of this.tokens) {
      this.tokens.delete(token);
      waiter.reject(err('States.Runtime', 'local runtime stopped'));
    }
  }

  private stopping = false;
  private readonly aborts = new Set<() => void>();
  /** Task invocations in progress (a handler's promise), awaited by stop(). */
  private readonly tasks = new Set<Promise<unknown>>();

  private tracked<T>(task: Promise<T>): Promise<T> {
    this.tasks.add(task);
    const forget = () => this.tasks.delete(task);
    task.then(forget, forget);
    return task;
  }

  /** The file marking this definition as validated, if a {@link LocalStepFunctionsOptions.validatedDir} is set. */
  private validatedMark(): string | undefined {
    const dir = this.opts.validatedDir;
    if (!dir) return undefined;
    const hash = createHash('sha256').update(INTERPRETER_VERSION).update('\0').update(JSON.stringify(this.opts.definition)).digest('hex');
    return join(dir, `${hash.slice(0, 32)}.validated`);
  }

  private machine(startAt: string) {
    let sm = this.machines.get(startAt);
    if (!sm) {
      // A copy starting at a later state has unreachable states by design; the whole definition is validated once, at StartAt.
      const resumed = startAt !== this.opts.definition.StartAt;
      if (resumed) this.machine(this.opts.definition.StartAt);
      const mark = this.validatedMark();
      const known = resumed || (mark !== undefined && existsSync(mark));
      sm = new StateMachine({ ...scaleTimeouts(this.opts.definition, this.opts.speed), StartAt: startAt } as never, {
        validationOptions: known ? { noValidate: true } : { checkArn: false },
      });
      if (!known && mark) {
        mkdirSync(dirname(mark), { recursive: true });
        writeFileSync(mark, '');
      }
      this.machines.set(startAt, sm);
    }
    return sm;
  }

  private launch(record: ExecutionRecord, startAt: string, input: unknown): void {
    // Stopped: the execution stays RUNNING as saved, and the next start resumes it (as after a crash).
    if (this.stopping) return;
    let token = randomUUID();
    const Task = {
      get Token() {
        return token;
      },
    };
    // Waits with a SecondsPath read the last task result's `waitSeconds` (the deploy steps return it);
    // resumed at such a Wait, or at a Choice before it, no task ran yet: the resumed input holds them.
    let waitSeconds: number | undefined;
    const entered = new EnteredStates();
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of Object.entries(this.opts.definition.States)) {
      if (state.Type !== 'Task' || !state.Resource) continue;
      const call = this.taskFor(state, record.name);
      const resource = resourceLabel(state.Resource);
      overrides[stateName] = async (taskInput) => {
        await entered.saved(stateName);
        // Step Functions schedules no task whose input, after Parameters, is over its payload quota.
        if (payloadBytes(taskInput) > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded(stateName);
        const result = roundTrip(
          await this.tracked(
            call(taskInput, () => {
              const t = token;
              token = randomUUID();
              return t;
            }),
          ),
        );
        // A task error (AWS's Retry and Catch see it, States.ALL included): what the task returned is too large.
        if (payloadBytes(result) > PAYLOAD_LIMIT_BYTES) throw dataLimitExceeded(resource);
        const wait = (result as { waitSeconds?: unknown } | null)?.waitSeconds;
        if (typeof wait === 'number') waitSeconds = wait;
        return result;
      };
    }
    const speed = this.opts.speed;
    const states = this.opts.definition.States;
    // Wait times, divided by the speed factor: read when each Wait starts.
    const waitTimeOverrides = new Proxy({} as Record<string, number>, {
      get: (_t, stateName: string) => {
        const state = states[stateName];
        if (state?.Type !== 'Wait') return undefined;
        const seconds = state.Seconds ?? (state.SecondsPath ? (waitSeconds ?? numberAt(input, state.SecondsPath)) : undefined);
        return seconds === undefined ? undefined : (seconds * 1000) / speed;
      },
    });
    const execution = this.machine(startAt).run(input as never, {
      noThrowOnAbort: true,
      context: { Execution: { Id: record.executionArn, Name: record.name, StartTime: record.startDate, Input: JSON.parse(record.input) }, Task } as never,
      overrides: { taskResourceLocalHandlers: overrides as never, waitTimeOverrides, retryIntervalOverrides: this.retryIntervals() },
    });
    this.aborts.add(execution.abort);
    const done = this.follow(record, execution as never, entered).finally(() => {
      this.running.delete(done);
      this.aborts.delete(execution.abort);
    });
    this.running.add(done);
  }

  /** Retry pauses divided by the speed factor (per retrier, in ms), like Wait times; at speed 1 the definition's own backoff applies. */
  private retryIntervals(): Record<string, number[]> | undefined {
    if (this.opts.speed === 1) return undefined;
    const intervals: Record<string, number[]> = {};
    for (const [name, state] of Object.entries(this.opts.definition.States)) {
      const retry = (state as { Retry?: { IntervalSeconds?: number }[] }).Retry;
      if (retry) intervals[name] = retry.map((r) => ((r.IntervalSeconds ?? 1) * 1000) / this.opts.speed);
    }
    return intervals;
  }

  private taskFor(state: StateDefinition, execution: string): (input: unknown, nextToken: () => string) => Promise<unknown> {
    const resource = state.Resource ?? '';
    if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      const fn = this.lambda(String(state.Parameters?.FunctionName));
      return async (input, nextToken) => {
        const t = nextToken();
        const waiting = new Promise((resolve, reject) => this.tokens.set(t, { execution, resolve, reject }));
        waiting.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
        // The invoke's own failure fails the task, as Lambda's would.
        await fn(roundTrip((input as { Payload: unknown }).Payload));
        // A wait that began as the runtime stopped is never resumed: end it now, or its TimeoutSeconds timer keeps the process alive.
        if (this.stopping) this.rejectTokens();
        return waiting;
      };
    }
    if (resource.startsWith('arn:aws:lambda:')) {
      const fn = this.lambda(resource);
      return (input) => fn(roundTrip(input));
    }
    const integration = this.opts.integrations[resource];
    if (!integration) throw new Error(`no local stand-in for the resource ${resource}`);
    return (input) => integration(input);
  }

  private lambda(arn: string): LocalTask {
    const fn = this.opts.lambdas[arn];
    if (!fn) throw new Error(`no local handler for the function ${arn}`);
    return fn;
  }

  private async follow(
    record: ExecutionRecord,
    execution: { result: Promise<unknown>; eventLogs: AsyncGenerator<Json>; abort: () => void },
    entered: EnteredStates,
  ): Promise<void> {
    // Step Functions ends an execution at once, whatever its Catch says, when its history is full or a
    // state's output is over the payload quota: the interpreter is aborted, and this is the failure recorded.
    let terminal: { error: string; cause: string } | undefined;
    const terminate = (error: string, cause: string) => {
      terminal = { error, cause };
      execution.abort();
      entered.close();
      for (const [token, waiter] of this.tokens) if (waiter.execution === record.name) this.tokens.delete(token);
    };
    // A resumed execution's history goes on from what it saved.
    const counter = new HistoryEventCounter(this.opts.definition);
    for (const entry of record.history) counter.add(entry);
    const events = (async () => {
      for await (const ev of execution.eventLogs) {
        const state = (ev.state as { name?: string; input?: unknown; output?: unknown } | undefined) ?? undefined;
        const entry = {
          type: String(ev.type),
          timestamp: Number(ev.timestamp),
          ...(state?.name ? { state: state.name } : {}),
          ...(ev.Error ? { error: String(ev.Error) } : {}),
        };
        record.history.push(entry);
        const journaled = this.journal(record, ev.type === 'StateEntered' ? { ...entry, input: state?.input ?? null } : entry);
        // Checked before a Task's entry is marked below: a task past either limit never runs.
        if (counter.add(entry) >= HISTORY_LIMIT_EVENTS - 1 && !String(ev.type).startsWith('Execution')) {
          terminate('States.Runtime', HISTORY_LIMIT_CAUSE);
          break;
        }
        if (ev.type === 'StateExited' && state?.name && payloadBytes(state.output) > PAYLOAD_LIMIT_BYTES) {
          const { name, message } = dataLimitExceeded(state.name);
          terminate(name, message);
          break;
        }
        if (ev.type === 'StateEntered' && state?.name) {
          record.currentState = state.name;
          record.currentInput = state.input;
          // A failed append is reported, not fatal: the task waiting for it (EnteredStates) must still run.
          await journaled.catch((e: Error) => this.opts.log?.(`execution ${record.name}: saving state ${state.name} failed: ${e.message}`));
          this.opts.onStateEntered?.(state.name);
          entered.mark(state.name);
        }
        if (ev.type === 'StateRetried' && state?.name) entered.mark(state.name);
      }
    })();
    // The outcome is recorded only once every event of the run is in the history: a reader that sees
    // the execution ended also sees every state it went through (as DescribeExecution and GetExecutionHistory agree in AWS).
    let ended: Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'>;
    try {
      const output = await execution.result;
      if (this.stopping) return;
      ended = { status: 'SUCCEEDED', output: JSON.stringify(output) };
    } catch (e) {
      if (this.stopping) return;
      const error = e as Error & { cause?: unknown };
      const m = /^(\S+): (.*)$/s.exec(String(error.cause ?? ''));
      ended = { status: 'FAILED', error: m?.[1] ?? error.name, cause: m?.[2] ?? error.message };
    } finally {
      if (!this.stopping) await events.catch(() => undefined);
    }
    if (terminal) {
      ended = { status: 'FAILED', ...terminal };
      record.history.push({ type: 'ExecutionFailed', timestamp: Date.now(), error: terminal.error });
    }
    Object.assign(record, ended);
    record.stopDate = new Date().toISOString();
    record.currentState = undefined;
    record.currentInput = undefined;
    // The whole record once more, with its history; then its journal is no longer needed.
    await this.journals.get(record.name)?.catch(() => undefined);
    await this.save(record);
    await rm(this.journalFile(record.name), { force: true });
    this.journals.delete(record.name);
    this.opts.log?.(`■  execution ${record.name} ${record.status}${record.error ? ` (${record.error})` : ''}`);
  }

  /** Writes the whole record (at StartExecution, and when it ends), atomically. */
  private async save(record: ExecutionRecord): Promise<void> {
    // After stop() the saved state must stay what it was: where the next start resumes.
    if (this.stopping) return;
    const { currentState: _s, currentInput: _i, ...whole } = record;
    await writeStoreFile(join(this.opts.dir, `${record.name}.json`), JSON.stringify(record.status === 'RUNNING' ? { ...whole, history: [] } : whole, null, 2));
  }

  private readonly journals = new Map<string, Promise<void>>();

  private journalFile(name: string): string {
    return join(this.opts.dir, `${name}.jsonl`);
  }

  /**
   * Appends one history event to the execution's journal (`<name>.jsonl`), after every earlier one:
   * while it runs, its state changes are written one line each instead of the whole record each
   * time (a StateEntered line carries the state's input: where a restart resumes).
   */
  private journal(record: ExecutionRecord, event: Record<string, unknown>): Promise<void> {
    const line = `${JSON.stringify(event)}\n`;
    const next = (this.journals.get(record.name) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        if (this.stopping) return;
        await mkdir(this.opts.dir, { recursive: true });
        await appendFile(this.journalFile(record.name), line);
      });
    this.journals.set(record.name, next);
    return next;
  }

  /**
   * A running execution's journal, read back at start: its history since StartExecution and the
   * state it last entered with that state's input. A line that does not parse (the last one, torn
   * by a crash mid-append) is skipped and reported.
   */
  private async readJournal(name: string): Promise<{ history: ExecutionRecord['history']; current?: { state: string; input: unknown } }> {
    const text = await readFile(this.journalFile(name), 'utf8').catch(() => '');
    const history: ExecutionRecord['history'] = [];
    let current: { state: string; input: unknown } | undefined;
    for (const [i, line] of text.split('\n').entries()) {
      if (line === '') continue;
      let event: ExecutionRecord['history'][number] & { input?: unknown };
      try {
        event = JSON.parse(line);
      } catch {
        report(`⚠  ${this.journalFile(name)} line ${i + 1} does not parse (torn by a crash): skipped`, this.opts.log);
        continue;
      }
      const { input, ...rest } = event;
      history.push(rest);
      if (rest.type === 'StateEntered' && rest.state) current = { state: rest.state, input };
    }
    return { history, current };
  }
}

/**
 * Which task attempts may run. The interpreter emits StateEntered (or StateRetried) and runs the
 * state without waiting for its listeners; a Task's n-th attempt waits here until the event loop has
 * handled the n-th such event of its state (for an entry: saved it as the current state).
 */
class EnteredStates {
  private readonly handled = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  private readonly waiting: { state: string; attempt: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private closed = false;

  /** Resolves once the event that started this attempt of `state` is handled; rejects once the execution ended. */
  saved(state: string): Promise<void> {
    if (this.closed) return Promise.reject(ended());
    const attempt = (this.attempts.get(state) ?? 0) + 1;
    this.attempts.set(state, attempt);
    if ((this.handled.get(state) ?? 0) >= attempt) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ state, attempt, resolve, reject }));
  }

  /**
   * The execution ended while the interpreter runs on (a limit failed it): no task attempt runs any
   * more. The waiting ones fail, neither retried nor caught, so the interpreter stops and clears their timeouts.
   */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(ended());
  }

  /** The event loop handled an entry or retry of `state`. */
  mark(state: string): void {
    const handled = (this.handled.get(state) ?? 0) + 1;
    this.handled.set(state, handled);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i];
      if (w.state !== state || w.attempt > handled) continue;
      w.resolve();
      this.waiting.splice(i, 1);
    }
  }
}

/** The error of a task attempt after its execution ended: aws-local-stepfunctions neither retries nor catches it. */
function ended(): Error {
  return Object.assign(new Error('the execution has ended'), { name: 'States.Runtime', isRetryable: false, isCatchable: false });
}

/**
 * Timeouts of human waits (`.waitForTaskToken` tasks) divided by the speed factor, like Wait times:
 * 72 h of approval wait last 72 min at speed 60. Machine tasks (test builds) keep their real timeout.
 */
function scaleTimeouts(definition: Definition, speed: number): Definition {
  const States: Record<string, StateDefinition> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const timeout = (state as { TimeoutSeconds?: number }).TimeoutSeconds;
    States[name] =
      timeout && state.Resource?.endsWith('.waitForTaskToken')
        ? ({ ...state, TimeoutSeconds: Math.max(1, Math.round(timeout / speed)) } as StateDefinition)
        : state;
  }
  return { ...definition, States };
}

/** The number at a plain JSONPath (`$.a.b`) of `value`, or undefined. */
function numberAt(value: unknown, path: string): number | undefined {
  let at: unknown = value;
  for (const key of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean))
    at = (at as Record<string, unknown> | null)?.[key];
  return typeof at === 'number' ? at : undefined;
}

/** Lambda serialises payloads as JSON; so does the local runtime, so nothing passes that could not in AWS. */
function roundTrip(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
