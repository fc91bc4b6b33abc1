import { aliasWeights } from './alias-weights';
import { blueGreen } from './blue-green';
import { codeDeploy } from './codedeploy';
import type { StrategyName } from './names';
import type { DeploymentStrategy } from './strategy';

/**
 * The registration table: one strategy per name of names.ts (the compiler refuses a name without
 * one). Adding a strategy: its module, its name in names.ts, its line here.
 */
export const STRATEGIES: Readonly<Record<StrategyName, DeploymentStrategy>> = {
  'alias-weights': aliasWeights,
  codedeploy: codeDeploy,
  'blue-green': blueGreen,
};

/** The strategy of that name. */
export function strategyOf(name: StrategyName): DeploymentStrategy {
  return STRATEGIES[name];
}

/** Whether the deployment's strategy moves the alias itself (none recorded: CMV moves it). */
export function aliasMovedByStrategy(d: { readonly strategy: StrategyName } | undefined): boolean {
  return d ? strategyOf(d.strategy).movesAliasItself : false;
}

/** The strategy whose own service records rollbacks with this ledger `trigger`, if any. */
export function strategyByRollbackTrigger(trigger: unknown): DeploymentStrategy | undefined {
  return Object.values(STRATEGIES).find((s) => s.rollbackTrigger !== undefined && s.rollbackTrigger === trigger);
}
