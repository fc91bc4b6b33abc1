import { roleSessionName } from '../deploy-role';
import { DeployRoleError } from '../errors';
import { loadTarget } from './deployment-records';
import { loadChange } from './record-change';
import type { Services } from './services';

/** A target as far as whose resources are whose: its name and, in another account, its deploy role. */
export interface TargetAccount {
  readonly name: string;
  readonly deployRoleArn?: string;
}

/** The services each bound copy was made from: a copy bound to one role may be bound again to another (or to none). */
const unbound = new WeakMap<Services, Services>();

/**
 * The services to act on `target`'s resources with: for a target with a `deployRoleArn`, its
 * function, alarms, metrics and CodeDeploy ports are those of `svc.deployRoles` on that role
 * (session `cmv-<session>`, see roleSessionName), and it has no CodeDeploy port; everything else — the tables, the ledger, the
 * artifacts, the workflow — stays CMV's own. A target without one: CMV's own services.
 * @param session - what the calls are for, named in the role session: the change id, else e.g. `sync-<target>`
 * @throws DeployRoleError when the target has a deploy role and this deployment of CMV can assume none
 */
export function onTarget(svc: Services, target: TargetAccount, session: string): Services {
  const own = unbound.get(svc) ?? svc;
  const roleArn = target.deployRoleArn;
  if (!roleArn) return own;
  if (!own.deployRoles) throw new DeployRoleError(`target ${target.name} deploys through the role ${roleArn}, which this deployment of CMV cannot assume`);
  const { functions, alarms, metrics } = own.deployRoles.ports(roleArn, roleSessionName(session));
  // No CodeDeploy: CMV's application and groups are in its own account (the codedeploy strategy is refused for such a target).
  const { metrics: _m, codeDeploy: _c, ...rest } = own;
  const bound: Services = { ...rest, functions, alarms, ...(metrics ? { metrics } : {}) };
  unbound.set(bound, own);
  return bound;
}

/**
 * {@link onTarget} for a change's target, the session named after the change.
 * @throws NotFoundError when the change or its target does not exist
 */
export async function onChangeTarget(svc: Services, changeId: string): Promise<Services> {
  const change = await loadChange(svc, changeId);
  return onTarget(svc, await loadTarget(svc, change.target), changeId);
}
