import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type State = {
  Type: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  TimeoutSeconds?: number;
  Parameters?: { FunctionName?: string; Payload?: Record<string, unknown> };
  Choices?: { Next: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
};
const definition = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'statemachines', 'change-lifecycle.asl.json'), 'utf8')) as {
  States: Record<string, State>;
};
const lambdaTasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task' && !/codebuild/.test(JSON.stringify(s)));

/** Where a state may go next: Next, Default, each Choice and each Catch. */
const successors = (s: State): string[] =>
  [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next)].filter((n): n is string => !!n);

/** The states that lie on some cycle of the state graph (a state that can reach itself). */
function statesOnCycles(states: Record<string, State>): Set<string> {
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = successors(states[from]);
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === to) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...successors(states[next]));
    }
    return false;
  };
  return new Set(Object.keys(states).filter((name) => reaches(name, name)));
}

describe('statemachines/change-lifecycle.asl.json', () => {
  it.each(lambdaTasks.map(([name, s]) => [name, s] as const))(
    '%s retries LedgerContention, so contention on the ledger never fails an accepted change',
    (_name, state) => {
      const retrier = state.Retry?.find((r) => r.ErrorEquals.includes('LedgerContention') || r.ErrorEquals.includes('States.ALL'));
      expect(retrier).toBeDefined();
      expect(retrier?.MaxAttempts ?? 3).toBeGreaterThanOrEqual(3);
    },
  );

  it('has no Wait state on a cycle: no loop of the lifecycle polls on a clock (issue #10: 25,000 history events)', () => {
    // Arrange
    const onCycles = statesOnCycles(definition.States);

    // Act
    const waitsOnCycles = [...onCycles].filter((name) => definition.States[name].Type === 'Wait');

    // Assert: the canary's and CodeDeploy's loops exist, and every one of their waits is a task token's.
    expect([...onCycles]).toEqual(expect.arrayContaining(['Bake', 'CheckCanary', 'AwaitCodeDeploy', 'FollowCodeDeployment', 'AwaitWarmUp', 'WarmUp']));
    expect(waitsOnCycles).toEqual([]);
  });

  it.each([
    ['Bake', 'bake', 'CheckCanary'],
    ['AwaitCodeDeploy', 'codedeploy', 'FollowCodeDeployment'],
  ])('%s waits on a task token kept with its deadline, and its hard cap times out to %s… check, never to a rollback', (name, wait, check) => {
    const state = definition.States[name];

    expect(state).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: expect.stringContaining('ScheduleWakeFunctionArn'),
        Payload: { 'taskToken.$': '$$.Task.Token', wait, 'deployment.$': '$.deployment' },
      },
      Next: check,
    });
    expect(state.Catch?.find((c) => c.ErrorEquals.includes('States.Timeout'))?.Next).toBe(check);
    // Above the longest wait CMV allows: a day's bake; CodeDeploy's longest interval, 2,880 minutes.
    expect(state.TimeoutSeconds).toBeGreaterThan(wait === 'bake' ? 86_400 : 172_800);
  });

  it('warms a blue-green version in a loop of WarmUp and a task-token wait (AwaitWarmUp), never a Wait state; a failed warm-up fails the change', () => {
    const warmUp = definition.States.WarmUp;
    const wait = definition.States.AwaitWarmUp;

    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: expect.stringContaining('ScheduleWakeFunctionArn'), Payload: { 'taskToken.$': '$$.Task.Token', wait: 'warm-up' } },
      Next: 'WarmUp',
    });
    expect(wait.Catch?.find((c) => c.ErrorEquals.includes('States.Timeout'))?.Next).toBe('WarmUp');
    expect(warmUp.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'))?.Next).toBe('RecordFailure');
    expect(definition.States.WarmUpDecision.Default).toBe('SmokeTestsBeforeTraffic');
  });
});
