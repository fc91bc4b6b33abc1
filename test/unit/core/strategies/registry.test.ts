import { STRATEGY_NAMES } from '../../../../lambdas/core/strategies/names';
import { aliasMovedByStrategy, STRATEGIES, strategyByRollbackTrigger, strategyOf } from '../../../../lambdas/core/strategies/registry';

describe('strategies/registry', () => {
  it('registers one strategy under each name, named so', () => {
    expect(Object.keys(STRATEGIES).sort()).toEqual([...STRATEGY_NAMES].sort());
    for (const name of STRATEGY_NAMES) expect(strategyOf(name).name).toBe(name);
  });

  it('finds the strategy of a ledger rollback trigger, and none for CMV’s own triggers', () => {
    expect(strategyByRollbackTrigger('codedeploy')?.name).toBe('codedeploy');
    for (const trigger of ['alarm', 'operator', 'workflow', undefined]) expect(strategyByRollbackTrigger(trigger)).toBeUndefined();
  });

  it('says CMV moves the alias when no deployment is recorded', () => {
    expect(aliasMovedByStrategy(undefined)).toBe(false);
    expect(aliasMovedByStrategy({ strategy: 'codedeploy' })).toBe(true);
  });
});
