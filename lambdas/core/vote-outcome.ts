import type { Change } from './change';

/**
 * What follows a vote, in one sentence for the voter (the approval page and `cmv approve` say the
 * same): rejected; still waiting for more approvals; or the quorum is reached and the deployment
 * starts now, or in the change's next window when its plan has windows it does not bypass.
 * @param change - the change as recorded after the vote
 */
export function whatFollowsTheVote(change: Pick<Change, 'status' | 'approvedAt' | 'plan'>): string {
  if (change.status === 'rejected') return 'It is rejected and will not be deployed.';
  if (!change.approvedAt) return 'It still needs more approvals.';
  const held = !change.plan.window.bypass && change.plan.window.windows.length > 0;
  return held ? `Quorum is reached: it deploys in its next change window (${change.plan.window.timeZone}).` : 'Quorum is reached: its deployment starts now.';
}
