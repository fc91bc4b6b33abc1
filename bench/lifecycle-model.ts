import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkStep } from '../lambdas/core/canary';
import { nextCodeDeployLook, type TrafficRouting, trafficShifts } from '../lambdas/core/deployment-config';
import { strategyOf } from '../lambdas/core/strategies/registry';
import { STATE_MACHINE_FILE, WORKFLOW_FUNCTIONS } from '../lambdas/handlers/workflow/registry';
import '../lib/local/step-functions'; // its Promise.withResolvers polyfill (Node 20)
import { EVENTS_PER_EXECUTION, EVENTS_PER_RETRY, eventsPerState, type StatesOf } from './history-events';

const { StateMachine } = require('aws-local-stepfunctions') as typeof import('aws-local-stepfunctions');

/**
 * The worst case a change's execution reaches under the settings CMV allows, counted by running the
 * real ASL file in the interpreter (aws-local-stepfunctions) with each task replaced by a stand-in
 * that answers as the use case would — the canary's decisions from the core's own `checkStep`, a
 * CodeDeploy deployment's shifts from its deployment config — on a simulated clock, so a day-long
 * bake costs no time. The paths that do not depend on settings (approval, tests) take their longest
 * branch: an emergency change whose tests run after the deployment; the target lock is busy for the
 * whole of StartDeployment's `TargetBusy` retrier.
 */

/** The largest settings CMV accepts (lambdas/core/target-settings.ts). */
export const ALLOWED_MAXIMA = {
  /** CanarySteps: at most 10 steps. */
  steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  /** bakeSeconds and finalBakeSeconds: at most a day. */
  bakeSeconds: 86_400,
  /** The custom CodeDeploy config with the most shifts: linear, 1 % every 2,880 minutes (the largest interval). */
  linear: { percentage: 1, intervalMinutes: 2880 },
} as const;

/** A modelled change: its strategy and canary, whether it is an emergency (tests after the deployment), how often the target lock is found busy. */
export interface Scenario {
  readonly name: string;
  readonly strategy: 'alias-weights' | 'codedeploy';
  readonly steps: readonly number[];
  readonly bakeSeconds: number;
  /** codedeploy: the deployment config's routing. */
  readonly routing?: TrafficRouting;
  readonly emergency: boolean;
  /** StartDeployment answers TargetBusy this many times first (its retrier's MaxAttempts: the longest wait). */
  readonly targetBusy: 'never' | 'longest';
}

/** The bundled example's change 1.1.0: the target's canary (10 → 50 → 100 %, 60 s bakes), a medium-risk standard change. */
export const EXAMPLE: Scenario = {
  name: 'example 1.1.0',
  strategy: 'alias-weights',
  steps: [10, 50, 100],
  bakeSeconds: 60,
  emergency: false,
  targetBusy: 'never',
};

/** The largest settings of each strategy, on the longest path. */
export const WORST_SCENARIOS: readonly Scenario[] = [
  {
    name: 'alias-weights, largest settings',
    strategy: 'alias-weights',
    steps: ALLOWED_MAXIMA.steps,
    bakeSeconds: ALLOWED_MAXIMA.bakeSeconds,
    emergency: true,
    targetBusy: 'longest',
  },
  {
    name: 'codedeploy, largest settings',
    strategy: 'codedeploy',
    steps: [],
    bakeSeconds: 0,
    routing: { type: 'TimeBasedLinear', ...ALLOWED_MAXIMA.linear },
    emergency: true,
    targetBusy: 'longest',
  },
];

/** One modelled execution: its scenario and what it cost. */
export interface ModelledCost {
  readonly scenario: string;
  readonly transitions: number;
  readonly historyEvents: number;
  /** True when the count passed `limit` and the run was cut there (the real one would fail at 25,000). */
  readonly cut: boolean;
}

type Json = Record<string, unknown>;

/** What codebuild:startBuild.sync answers for a build that passed (the ASL's ResultSelector reads it). */
const BUILD = { Build: { Id: 'cmv-change-tests:model', BuildStatus: 'SUCCEEDED', Logs: { DeepLink: 'https://console.aws.amazon.com/' } } };

/** The ASL with its placeholders filled as the local runtime fills them. */
export function lifecycleDefinition(): { StartAt: string; States: StatesOf & Record<string, Json> } {
  const substitutions: Record<string, string> = { TestProjectName: 'cmv-change-tests' };
  for (const [placeholder, name] of Object.entries(WORKFLOW_FUNCTIONS)) substitutions[placeholder] = `arn:aws:lambda:local:000000000000:function:cmv-${name}`;
  const text = readFileSync(join(__dirname, '..', STATE_MACHINE_FILE), 'utf8').replace(/\$\{(\w+)\}/g, (whole, key: string) => substitutions[key] ?? whole);
  return JSON.parse(text);
}

/** The definition without task timeouts: the model's tasks answer at once, and the interpreter's timers hold at most 24.8 days. */
function withoutTimeouts<D extends { States: Record<string, Json> }>(definition: D): D {
  const States = Object.fromEntries(Object.entries(definition.States).map(([name, { TimeoutSeconds: _t, ...state }]) => [name, state]));
  return { ...definition, States };
}

/**
 * Runs one scenario through the ASL and counts what AWS would: transitions and history events.
 * @param limit - stop counting (and abort the run) past this many history events
 */
export async function modelExecution(scenario: Scenario, limit = 100_000): Promise<ModelledCost> {
  const definition = lifecycleDefinition();
  const states = definition.States;
  const targetBusyAttempts = ((states.StartDeployment as { Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] }).Retry ?? []).find((r) =>
    r.ErrorEquals.includes('TargetBusy'),
  )?.MaxAttempts;
  let busy = scenario.targetBusy === 'longest' ? (targetBusyAttempts ?? 0) : 0;
  const steps = [...scenario.steps];
  const bakeOf = (_stepIndex: number) => scenario.bakeSeconds;
  // CodeDeploy's timeline on the simulated clock (s from CreateDeployment): each hook takes a minute,
  // the shifts follow the deployment config, and its end (SUCCESS) wakes the workflow by event.
  const routing = scenario.routing ?? { type: 'AllAtOnce' as const };
  const HOOK_SECONDS = 60;
  const shifts = trafficShifts(routing).map((s) => ({ percent: s.percent, at: HOOK_SECONDS + s.afterMinutes * 60 }));
  const codeDeployEnd = (shifts.at(-1)?.at ?? 0) + HOOK_SECONDS;
  const weightAt = (t: number) => [...shifts].reverse().find((s) => s.at <= t)?.percent ?? 0;
  let clock = 0;
  let seenWeight = 0;
  type State = Json & { stepIndex: number; waitSeconds: number; bakedSeconds?: number; unchangedLooks?: number; decision?: string; wake?: { by: string } };
  const stateOf = (input: unknown) => (input as { deployment: State }).deployment;
  // A waitForTaskToken task's input is its Parameters: the function and its Payload.
  const payloadStateOf = (input: unknown) => (input as { Payload: { deployment: State } }).Payload.deployment;
  // As StartDeployment answers: the strategy gives the workflow its deploy loop.
  const base = { strategy: scenario.strategy, mode: strategyOf(scenario.strategy).workflowMode, steps, alarmNames: [], startedAt: '2026-01-01T00:00:00Z' };
  const tasks: Record<string, (input: unknown) => unknown> = {
    PlanChange: () => ({ artifactUri: 's3://a/b.zip', suites: '[]', reportUri: 's3://a/r.json', testsAfterDeploy: scenario.emergency }),
    DeferTests: () => null,
    RunTests: () => BUILD,
    RecordTestsPassed: () => null,
    RequestApproval: () => ({ approved: true }),
    ScheduleDeployment: () => ({ startAt: '2026-01-01T00:00:00Z', wait: false }),
    StartDeployment: () => {
      if (busy-- > 0) throw Object.assign(new Error('another change is deploying'), { name: 'TargetBusy' });
      return { ...base, stepIndex: 0, waitSeconds: 0 };
    },
    SmokeTestsBeforeTraffic: () => null,
    // As shiftTraffic: the step bakes its whole bake time in one wait.
    ShiftTraffic: (input) => ({ ...stateOf(input), decision: 'bake', waitSeconds: bakeOf(stateOf(input).stepIndex), bakedSeconds: 0 }),
    // Nobody pauses or promotes: each bake's wait ends at its deadline (its schedule).
    Bake: (input) => {
      clock += payloadStateOf(input).waitSeconds;
      return { changeId: 'model', wait: 'bake', by: 'due', since: '2026-01-01T00:00:00Z' };
    },
    CheckCanary: (input) => {
      const { wake, ...state } = stateOf(input);
      const bakedSeconds = (state.bakedSeconds ?? 0) + (state.decision === 'bake' && wake?.by === 'due' ? state.waitSeconds : 0);
      const verdict = checkStep({
        deploymentStartedAt: base.startedAt,
        steps,
        stepIndex: state.stepIndex,
        bakedSeconds,
        bakeSeconds: scenario.bakeSeconds,
        finalBakeSeconds: scenario.bakeSeconds,
        alarms: [],
      });
      if (verdict.kind === 'bake') return { ...state, decision: 'bake', waitSeconds: verdict.waitSeconds, bakedSeconds };
      if (verdict.kind === 'paused') throw new Error('the model never pauses');
      return { ...state, stepIndex: verdict.nextStepIndex, decision: verdict.decision, waitSeconds: 0, bakedSeconds: 0 };
    },
    CreateCodeDeployment: (input) => ({ ...stateOf(input), decision: 'wait', unchangedLooks: 0, waitSeconds: nextCodeDeployLook(routing, 0, 0) }),
    // The wait ends at the next look, or at the deployment's end (its event), whichever comes first.
    AwaitCodeDeploy: (input) => {
      clock = Math.min(clock + payloadStateOf(input).waitSeconds, Math.max(clock, codeDeployEnd));
      return { changeId: 'model', wait: 'codedeploy', by: clock >= codeDeployEnd ? 'codedeploy-ended' : 'due', since: '2026-01-01T00:00:00Z' };
    },
    // As followCodeDeployment: the end promotes; a new weight is recorded; the next look from the config.
    FollowCodeDeployment: (input) => {
      const state = stateOf(input);
      if (clock >= codeDeployEnd) return { ...state, decision: 'promote', waitSeconds: 0 };
      const weight = weightAt(clock);
      const shifted = weight > seenWeight;
      seenWeight = Math.max(seenWeight, weight);
      const unchangedLooks = shifted ? 0 : (state.unchangedLooks ?? 0) + 1;
      return { ...state, decision: 'wait', unchangedLooks, waitSeconds: nextCodeDeployLook(routing, seenWeight, unchangedLooks) };
    },
    RunDeferredTests: () => BUILD,
    RecordDeferredTests: () => null,
    SmokeTestsAfterTraffic: () => null,
    Promote: () => null,
    RetireVersions: () => ({ retired: [] }),
  };
  const failures: string[] = [];
  const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type !== 'Task') continue;
    overrides[name] = async (input) => {
      const task = tasks[name];
      if (!task) throw new Error(`the model has no stand-in for the task ${name}`);
      try {
        return task(input);
      } catch (err) {
        // A failure the ASL would catch must not pass unnoticed: the model's path must be the nominal one.
        if ((err as Error).name !== 'TargetBusy') failures.push(`${name}: ${(err as Error).message}`);
        throw err;
      }
    };
  }
  const waits = new Proxy({} as Record<string, number>, { get: () => 0 });
  const retries: Record<string, number[]> = {};
  for (const [name, state] of Object.entries(states)) {
    const retry = (state as { Retry?: unknown[] }).Retry;
    if (retry) retries[name] = retry.map(() => 0);
  }
  const machine = new StateMachine(withoutTimeouts(definition) as never, { validationOptions: { checkArn: false } });
  const execution = machine.run({ changeId: 'model' } as never, {
    noThrowOnAbort: true,
    context: { Task: { Token: 'model-token' } } as never,
    overrides: { taskResourceLocalHandlers: overrides as never, waitTimeOverrides: waits, retryIntervalOverrides: retries },
  });
  let transitions = 0;
  let historyEvents = EVENTS_PER_EXECUTION;
  let cut = false;
  for await (const event of execution.eventLogs) {
    const name = (event as { state?: { name?: string } }).state?.name ?? '';
    if (event.type === 'StateEntered') {
      transitions++;
      historyEvents += eventsPerState(states[name]);
    } else if (event.type === 'StateRetried') {
      transitions++;
      historyEvents += EVENTS_PER_RETRY;
    }
    if (historyEvents > limit) {
      cut = true;
      execution.abort();
      break;
    }
  }
  const outcome = await execution.result.then(
    () => 'Deployed',
    (err: Error) => `${err.name}: ${err.message}`,
  );
  // A run that did not reach Deployed modelled some other path: its count would mean nothing.
  if (!cut && (outcome !== 'Deployed' || failures.length > 0)) {
    throw new Error(`the modelled ${scenario.name} execution ended ${outcome}, not Deployed; failed tasks: ${failures.join('; ') || 'none'}`);
  }
  return { scenario: scenario.name, transitions, historyEvents, cut };
}

/** The worst of the modelled scenarios. */
export async function worstCase(limit?: number): Promise<{ readonly scenarios: readonly ModelledCost[]; readonly worst: ModelledCost }> {
  const scenarios: ModelledCost[] = [];
  for (const scenario of WORST_SCENARIOS) scenarios.push(await modelExecution(scenario, limit));
  const worst = scenarios.reduce((a, b) => (b.historyEvents > a.historyEvents ? b : a));
  return { scenarios, worst };
}
