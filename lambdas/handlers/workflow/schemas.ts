import * as z from 'zod';
import { DeploymentStrategy } from '../../core/target-settings';

/** `{changeId}`: the input of most workflow tasks. */
export const ChangeRef = z.object({ changeId: z.string().min(1) });

/** An error as the ASL `Catch` records it with ResultPath. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

/** The deployment state the deploy steps pass along (DeploymentState), with any caught error. */
export const Deployment = z.object({
  strategy: DeploymentStrategy,
  stepIndex: z.number().int().min(0),
  steps: z.array(z.number()),
  alarmNames: z.array(z.string()),
  startedAt: z.string(),
  waitSeconds: z.number().min(0),
  bakedSeconds: z.number().min(0).optional(),
  unchangedLooks: z.number().int().min(0).optional(),
  decision: z.enum(['continue', 'bake', 'paused', 'promote', 'rollback', 'stopped', 'wait']).optional(),
  /** How the wait before the step ended (the ASL's ResultPath of Bake): a WakeOutput, or the caught error of a wait that timed out. */
  wake: z
    .union([
      z.object({ by: z.enum(['due', 'paused', 'promote', 'resumed', 'stopped', 'codedeploy-ended', 'timeout']), since: z.string() }).loose(),
      CaughtError,
    ])
    .optional(),
});

/** Describes a caught error for people: `Error: cause` (the cause's errorMessage when it is a Lambda error JSON). */
export function describeError(e: z.infer<typeof CaughtError> | undefined): string {
  if (!e) return 'unknown error';
  let cause = e.Cause ?? '';
  try {
    type Build = { Id?: string; BuildStatus?: string };
    const parsed = JSON.parse(cause) as { errorMessage?: string; Build?: Build } & Build;
    if (parsed.errorMessage) cause = parsed.errorMessage;
    // A failed test build (startBuild.sync): its cause is the Build (`{Build}` or the Build itself).
    const build = parsed.Build ?? parsed;
    if (build.BuildStatus) return `tests ${build.BuildStatus.toLowerCase()} (build ${build.Id})`;
  } catch {
    // not JSON: keep the text
  }
  return cause ? `${e.Error}: ${cause.slice(0, 500)}` : e.Error;
}
