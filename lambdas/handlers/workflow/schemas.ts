import * as z from 'zod';
import { type CaughtError, DeploymentState } from '../../core/workflow-state';

export { CaughtError } from '../../core/workflow-state';

/** `{changeId}`: the input of most workflow tasks. */
export const ChangeRef = z.object({ changeId: z.string().min(1) });

/** The deployment state the deploy steps pass along (core's DeploymentState), with any caught error. */
export const Deployment = DeploymentState;

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
