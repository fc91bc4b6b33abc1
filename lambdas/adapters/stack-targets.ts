import * as z from 'zod';
import type { StackTarget } from '../core/target';

const StackTargets = z.array(
  z.strictObject({ name: z.string().min(1), functionName: z.string().min(1), alias: z.string().min(1), deployRoleArn: z.string().min(1).optional() }),
);

/**
 * The targets the stack's grants cover, from `CMV_STACK_TARGETS`: JSON `[{name, functionName, alias, deployRoleArn?}]`,
 * which the CDK stack sets on the function that registers targets (one entry per target.json).
 * @returns undefined when the variable is unset (no limit)
 * @throws Error naming the variable when it is set but not such a list
 */
export function stackTargetsFromEnvironment(env: NodeJS.ProcessEnv = process.env): StackTarget[] | undefined {
  const raw = env.CMV_STACK_TARGETS;
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`CMV_STACK_TARGETS is not JSON: ${(err as Error).message}`);
  }
  const parsed = StackTargets.safeParse(json);
  if (!parsed.success) throw new Error(`CMV_STACK_TARGETS is not a list of {name, functionName, alias}: ${parsed.error.message}`);
  return parsed.data;
}
