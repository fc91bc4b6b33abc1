/**
 * What an execution costs on AWS Step Functions (Standard), from the interpreter's history of the same
 * ASL (the local Step Functions keeps it per execution): state transitions — what AWS bills, one per
 * state entered, retries included — and the history events GetExecutionHistory would list, which a
 * Standard execution may have at most 25,000 of ("Step Functions service quotas": the execution fails
 * with States.Runtime, uncatchably, at the limit).
 *
 * The events of one state, as the Step Functions developer guide's history event types list them:
 * - a Lambda task (`arn:aws:lambda:…` resource): TaskStateEntered, LambdaFunctionScheduled,
 *   LambdaFunctionStarted, LambdaFunctionSucceeded (or …Failed), TaskStateExited — 5;
 * - a service integration (`arn:aws:states:::…`, e.g. `lambda:invoke.waitForTaskToken`,
 *   `codebuild:startBuild.sync`): TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted,
 *   TaskSucceeded (or …Failed), TaskStateExited — 6;
 * - Choice, Wait, Pass, Succeed: …StateEntered and …StateExited — 2; Fail: FailStateEntered — 1;
 * - each retry of a task: scheduled, started and failed once more — 3;
 * - the execution itself: ExecutionStarted and its end — 2.
 */

/** One event of a local execution's history (lib/local/step-functions.ts `ExecutionRecord.history`). */
export interface LocalHistoryEvent {
  readonly type: string;
  readonly state?: string;
}

/** The states of an ASL definition, by name: their type and resource. */
export type StatesOf = Readonly<Record<string, { readonly Type: string; readonly Resource?: string }>>;

/** What an execution costs. */
export interface ExecutionCost {
  /** States entered, retries included: what AWS bills as state transitions. */
  readonly transitions: number;
  /** Events in the execution's history as AWS would list it. */
  readonly historyEvents: number;
  /** States entered, by name, in the order first entered. */
  readonly entered: Readonly<Record<string, number>>;
}

/** Events one entry of `state` adds to the history (see the module comment). */
export function eventsPerState(state: { readonly Type: string; readonly Resource?: string }): number {
  switch (state.Type) {
    case 'Task':
      return state.Resource?.startsWith('arn:aws:states:::') ? 6 : 5;
    case 'Fail':
      return 1;
    default:
      return 2;
  }
}

/** Events one retry of a task adds. */
export const EVENTS_PER_RETRY = 3;
/** Events of the execution itself (started, and its end). */
export const EVENTS_PER_EXECUTION = 2;

/**
 * The cost of one execution from its local history.
 * @throws Error naming a state the definition does not have (the history is of another ASL)
 */
export function executionCost(states: StatesOf, history: readonly LocalHistoryEvent[]): ExecutionCost {
  const entered: Record<string, number> = {};
  let transitions = 0;
  let historyEvents = EVENTS_PER_EXECUTION;
  for (const event of history) {
    if (event.type !== 'StateEntered' && event.type !== 'StateRetried') continue;
    const name = event.state ?? '';
    const state = states[name];
    if (!state) throw new Error(`the history names a state ${name} that the definition does not have`);
    transitions++;
    if (event.type === 'StateRetried') {
      historyEvents += EVENTS_PER_RETRY;
      continue;
    }
    entered[name] = (entered[name] ?? 0) + 1;
    historyEvents += eventsPerState(state);
  }
  return { transitions, historyEvents, entered };
}

/** Step Functions' quota of history events per execution (Standard). */
export const HISTORY_EVENT_LIMIT = 25_000;
