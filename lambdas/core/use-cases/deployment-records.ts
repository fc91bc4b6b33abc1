import type { DeploymentRecord } from '../change';
import { DeploymentError, NotFoundError } from '../errors';
import type { Target } from '../target';
import type { Services } from './services';

/**
 * The records every deploy step starts from: the target, and the change's deployment. Shared by the
 * deploy use cases and the strategies (which must not import the use cases that choose them).
 */

/** @throws NotFoundError (404) when the target is not registered */
export async function loadTarget(svc: Services, name: string): Promise<Target> {
  const target = await svc.store.getTarget(name);
  if (!target) throw new NotFoundError(`target ${name} is not registered`);
  return target;
}

/** @throws DeploymentError when the change has no deployment (it never started deploying) */
export function requireDeployment(d: DeploymentRecord | undefined, changeId: string): DeploymentRecord {
  if (!d) throw new DeploymentError(`change ${changeId} has no deployment`);
  return d;
}
