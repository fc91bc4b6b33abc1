/** The deployment strategies: their names, their interface, and the registry that maps one to the other. */
export { DEFAULT_STRATEGY, STRATEGY_NAMES, StrategyName } from './names';
export { aliasMovedByStrategy, STRATEGIES, strategyByRollbackTrigger, strategyOf } from './registry';
export type { AlarmRollbackPlan, Control, DeploymentStrategy, PlanFacts, StartShape } from './strategy';
export { CONTROLS } from './strategy';
