import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STRATEGIES } from '../../../lambdas/core/strategies/registry';
import { DEPLOY_DECISIONS, DeployDecision, WORKFLOW_MODES, WorkflowMode } from '../../../lambdas/core/workflow-state';

type Rule = { Variable?: string; StringEquals?: string; Next: string };
type State = { Type: string; Choices?: Rule[]; Default?: string };
const definition = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'statemachines', 'change-lifecycle.asl.json'), 'utf8')) as {
  States: Record<string, State>;
};

/** Every Choice rule on `variable`, with its state. */
const rulesOn = (variable: string) =>
  Object.entries(definition.States).flatMap(([name, s]) => (s.Choices ?? []).filter((c) => c.Variable === variable).map((c) => ({ state: name, ...c })));

/** Where a Choice state sends `value` of `variable`: its first matching rule, else its Default. */
function route(state: string, variable: string, value: string): string | undefined {
  const s = definition.States[state];
  return s.Choices?.find((c) => c.Variable === variable && c.StringEquals === value)?.Next ?? s.Default;
}

describe('the workflow state (lambdas/core/workflow-state.ts) and the ASL', () => {
  it('branches only on deploy decisions the workflow state defines', () => {
    // Arrange
    const rules = rulesOn('$.deployment.decision');

    // Assert (the loops exist, so the check is not vacuous)
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules)
      expect({ state: rule.state, valid: DeployDecision.safeParse(rule.StringEquals).success }).toEqual({ state: rule.state, valid: true });
  });

  it('sends every deploy decision of CanaryDecision somewhere (a rule or the Default: Rollback)', () => {
    for (const decision of DEPLOY_DECISIONS) expect(route('CanaryDecision', '$.deployment.decision', decision)).toBeDefined();
    expect(route('CanaryDecision', '$.deployment.decision', 'rollback')).toBe('Rollback');
  });

  it('chooses the deploy loop on the mode, whose values the workflow state defines', () => {
    // Arrange
    const rules = rulesOn('$.deployment.mode');

    // Assert
    expect([...new Set(rules.map((r) => r.state))]).toEqual(['ChooseStrategy']);
    for (const rule of rules) expect(WorkflowMode.safeParse(rule.StringEquals).success).toBe(true);
    expect(route('ChooseStrategy', '$.deployment.mode', 'canary')).toBe('SmokeTestsBeforeTraffic');
    expect(route('ChooseStrategy', '$.deployment.mode', 'codedeploy')).toBe('CreateCodeDeployment');
    expect(route('ChooseStrategy', '$.deployment.mode', 'blue-green')).toBe('WarmUp');
  });

  it('never branches on the strategy name: the strategy gives the mode', () => {
    expect(rulesOn('$.deployment.strategy')).toEqual([]);
    for (const strategy of Object.values(STRATEGIES)) expect(WORKFLOW_MODES).toContain(strategy.workflowMode);
  });
});
