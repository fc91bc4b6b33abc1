import * as z from 'zod';

/**
 * The names of the deployment strategies: `alias-weights` (CMV shifts the alias itself),
 * `codedeploy` (a CodeDeploy deployment does) and `blue-green` (CMV warms the new version, then
 * switches the alias to it at once). A leaf module, so that the schemas of targets, change
 * requests and plans can name the strategies without importing their implementations; the registry
 * (registry.ts) must hold one strategy per name, which the compiler checks.
 */
export const STRATEGY_NAMES = ['alias-weights', 'codedeploy', 'blue-green'] as const;

/** A deployment strategy's name, as targets, change requests, plans and deployment records carry it. */
export const StrategyName = z.enum(STRATEGY_NAMES);
export type StrategyName = z.infer<typeof StrategyName>;

/** The strategy of a target that names none. */
export const DEFAULT_STRATEGY: StrategyName = 'alias-weights';
