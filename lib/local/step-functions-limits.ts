/**
 * Step Functions' quotas and naming rules that the local Step Functions enforces, so that what passes
 * locally passes in AWS, with the errors AWS sends. Sources: the Step Functions Developer Guide's
 * "Step Functions service quotas" (names, 256 KiB payloads, 25,000 history events) and "Error
 * handling" (States.DataLimitExceeded); the exact messages as AWS answered them, recorded in
 * LocalStack's AWS-validated snapshot tests (tests/aws/services/stepfunctions/…) and in reports of
 * executions that reached the history limit.
 */

/** "256 KiB of data as a UTF-8 encoded string" for a task's, state's or execution's input or output. */
export const PAYLOAD_LIMIT_BYTES = 262_144;
/** Events in one Standard execution's history; event 25,000 is the execution's failure. */
export const HISTORY_LIMIT_EVENTS = 25_000;
/** Execution names: 1–80 characters. */
const NAME_MAX_LENGTH = 80;
/** Whitespace, brackets, wildcards, special and control characters: not allowed in names (non-ASCII letters are). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what Step Functions forbids in names
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/** The cause of the execution's failure (error States.Runtime) when its history is full. */
export const HISTORY_LIMIT_CAUSE = `The execution reached the maximum number of history events (${HISTORY_LIMIT_EVENTS}).`;

const err = (name: string, message: string) => Object.assign(new Error(message), { name });

/** The size Step Functions measures of a value: the UTF-8 bytes of its JSON. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null) ?? 'null', 'utf8');
}

/**
 * Refuses an execution name StartExecution refuses.
 * @throws ValidationException for a name of 0 or more than 80 characters; InvalidName ("Invalid Name: '<name>'")
 *   for one with whitespace, `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /` or a control character
 */
export function checkExecutionName(name: string): void {
  const length = [...name].length;
  if (length < 1 || length > NAME_MAX_LENGTH) {
    const constraint = length < 1 ? 'greater than or equal to 1' : `less than or equal to ${NAME_MAX_LENGTH}`;
    throw err(
      'ValidationException',
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length ${constraint}`,
    );
  }
  if (NAME_FORBIDDEN.test(name)) throw err('InvalidName', `Invalid Name: '${name}'`);
}

/**
 * Refuses a request payload over 256 KiB, as the API does before anything else (StartExecution's
 * `input`, SendTaskSuccess's `output`): the execution, or the waiting task, is left as it was.
 * @throws ValidationException
 */
export function checkRequestPayload(field: 'input' | 'output', text: string): void {
  if (Buffer.byteLength(text, 'utf8') <= PAYLOAD_LIMIT_BYTES) return;
  throw err(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
  );
}

/**
 * The error of a payload over 256 KiB, as Step Functions reports it.
 * @param what - a task's resource ('lambda' for `arn:aws:states:::lambda:invoke`, the function ARN for a
 *   plain Lambda resource, see {@link resourceLabel}) or a state's name
 */
export function dataLimitExceeded(what: string): Error {
  return err('States.DataLimitExceeded', `The state/task '${what}' returned a result with a size exceeding the maximum number of bytes service limit.`);
}

/** How Step Functions names a task's resource in its errors: the service of an integration, the ARN of a function. */
export function resourceLabel(resource: string): string {
  return /^arn:aws:states:::([^:]+):/.exec(resource)?.[1] ?? resource;
}

/** A local history entry (aws-local-stepfunctions' event log, as the local Step Functions saves it). */
export interface HistoryEntry {
  readonly type: string;
  readonly state?: string;
}

/** What the counter needs of the definition: each state's type and resource. */
export interface StatesOf {
  readonly States: Record<string, { readonly Type: string; readonly Resource?: string }>;
}

/**
 * Counts an execution's history as Step Functions would have written it. The local interpreter logs
 * one event where AWS writes several: a Task is TaskStateEntered, TaskScheduled, TaskStarted
 * (+ TaskSubmitted for `.sync` and `.waitForTaskToken`), TaskSucceeded or TaskFailed, and
 * TaskStateExited (5 events for a Lambda task, 6 for a callback or a build); every other state is
 * entered and exited (2); a retry schedules and starts the task again; the execution starts and ends
 * with one event each. A resumed execution's second ExecutionStarted is not counted.
 */
export class HistoryEventCounter {
  private total = 0;
  private readonly failed = new Set<string>();

  constructor(private readonly definition: StatesOf) {}

  /** Events so far. */
  get count(): number {
    return this.total;
  }

  /** Counts one more local entry; returns the total. */
  add(entry: HistoryEntry): number {
    this.total += this.cost(entry);
    return this.total;
  }

  private cost({ type, state: name }: HistoryEntry): number {
    const state = name ? this.definition.States[name] : undefined;
    const task = state?.Type === 'Task';
    const submitted = task && /\.(sync(:\d+)?|waitForTaskToken)$/.test(state?.Resource ?? '') ? 1 : 0;
    switch (type) {
      case 'ExecutionStarted':
        return this.total === 0 ? 1 : 0;
      case 'StateEntered':
        if (name) this.failed.delete(name);
        return task ? 3 + submitted : 1;
      case 'StateRetried':
        if (name) this.failed.delete(name);
        return task ? 2 + submitted : 0;
      case 'StateFailed':
        if (name && task) this.failed.add(name);
        return task ? 1 : 0;
      case 'StateCaught':
        return 0;
      case 'StateExited': {
        // A caught failure is followed by TaskStateExited alone: the TaskFailed was counted already.
        const exitOnly = !task || (name !== undefined && this.failed.has(name));
        if (name) this.failed.delete(name);
        return exitOnly ? 1 : 2;
      }
      default:
        return 1;
    }
  }
}

/** The number of events Step Functions would have written for this local history. */
export function countHistoryEvents(history: readonly HistoryEntry[], definition: StatesOf): number {
  const counter = new HistoryEventCounter(definition);
  for (const entry of history) counter.add(entry);
  return counter.count;
}
