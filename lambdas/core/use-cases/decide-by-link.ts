import type { RequestOrigin } from '../actor';
import { type Tally, tally } from '../approval';
import { type LinkProblem, linkHash, verifyLinkWithKeys } from '../approval-link';
import type { Change, ChangeStatus, Vote } from '../change';
import { ApprovalDecisionRequest } from '../change-request';
import { ConflictError, ForbiddenError, LedgerContentionError, NotFoundError } from '../errors';
import { decideApproval } from './decide-approval';
import type { Services } from './services';

/**
 * What an approver does with a link: look at the change (GET: changes nothing, so mail scanners
 * that pre-fetch links are harmless), or vote with the form's fields as sent (not yet validated).
 */
export type LinkAction =
  | { readonly kind: 'view' }
  | { readonly kind: 'vote'; readonly form: { readonly decision?: unknown; readonly comment?: unknown }; readonly origin: RequestOrigin };

/**
 * What deciding by an approval link came to; each kind is one page.
 * - `invalid-link`: the token is damaged (`malformed`) or not signed by CMV (`forged`);
 * - `expired`: the link's lifetime is over;
 * - `not-found`: the change or the link's approver no longer exists;
 * - `already-used`: the approver already voted with it (links are single use), the change's status now;
 * - `closed`: the change no longer awaits approval, its status now;
 * - `confirm`: the review page to show (a view), with the diff (UTF-8) when the change has one and the base version's config;
 * - `incomplete`: a vote without a decision (`no-decision`) or a rejection without a reason (`no-reason`); nothing was written;
 * - `recorded`: the vote, committed, the tally after it and the change as stored;
 * - `not-allowed`: the vote was refused (`forbidden`: the requester or an approver eligible in no
 *   group; `conflict`: another vote changed the change first), with the reason to show;
 * - `busy`: the ledger is contended, nothing was written; try again after `retryAfterSeconds` s.
 */
export type LinkOutcome =
  | { readonly kind: 'invalid-link'; readonly problem: Exclude<LinkProblem, 'expired'> }
  | { readonly kind: 'expired' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'already-used'; readonly status: ChangeStatus }
  | { readonly kind: 'closed'; readonly status: ChangeStatus }
  | {
      readonly kind: 'confirm';
      readonly change: Change;
      readonly approverName: string;
      readonly diff?: string;
      readonly baseConfig?: Record<string, string>;
    }
  | { readonly kind: 'incomplete'; readonly missing: 'no-decision' | 'no-reason' }
  | { readonly kind: 'recorded'; readonly vote: Vote; readonly tally: Tally; readonly change: Change }
  | { readonly kind: 'not-allowed'; readonly refusal: 'forbidden' | 'conflict'; readonly reason: string }
  | { readonly kind: 'busy'; readonly retryAfterSeconds: number };

/**
 * Decides by an approval link (the link is the credential: signed, bound to one approver and one
 * change, expiring, single use): verifies it, checks the approver may still vote, and shows the
 * change or records the vote through {@link decideApproval}, which spends the link in the vote's
 * own transaction. Refusals are outcomes, not errors, and write nothing.
 * @param token - the link's token (`<payload>.<signature>`)
 * @throws when the link keys, the store or the artifacts cannot be read, or the vote fails for a reason that is not the caller's (5xx)
 */
export async function decideByLink(svc: Services, token: string, action: LinkAction): Promise<LinkOutcome> {
  const verified = await verifyLinkWithKeys(svc.settings.linkKeys, token, svc.now());
  if (!verified.ok) return verified.problem === 'expired' ? { kind: 'expired' } : { kind: 'invalid-link', problem: verified.problem };
  const { changeId, approver: approverId, expiresAt } = verified.claims;
  const approver = await svc.directory.find(approverId);
  const change = await svc.store.getChange(changeId);
  if (!approver || !change) return { kind: 'not-found' };
  if (change.approvals.some((v) => v.approver === approverId)) return { kind: 'already-used', status: change.status };
  if (change.status !== 'awaiting_approval') return { kind: 'closed', status: change.status };
  if (action.kind === 'view') {
    const diff = change.source.kind === 'diff' ? new TextDecoder().decode(await svc.artifacts.read(change.source.uri)) : undefined;
    const base = change.baseVersion ? await svc.store.getVersion(change.target, change.baseVersion) : undefined;
    return { kind: 'confirm', change, approverName: approver.name, diff, baseConfig: base?.config };
  }
  const parsed = ApprovalDecisionRequest.safeParse({ decision: action.form.decision ?? undefined, comment: action.form.comment ?? '' });
  if (!parsed.success) return { kind: 'incomplete', missing: 'no-decision' };
  if (parsed.data.decision === 'reject' && !parsed.data.comment.trim()) return { kind: 'incomplete', missing: 'no-reason' };
  try {
    const after = await decideApproval(svc, { ...approver, ...action.origin }, changeId, parsed.data, { hash: linkHash(token), expiresAtEpochS: expiresAt });
    const vote = after.approvals.find((v) => v.approver === approverId) as Vote;
    return { kind: 'recorded', vote, tally: tally(after.approvals, after.plan.approvals.groups), change: after };
  } catch (err) {
    if (err instanceof LedgerContentionError) return { kind: 'busy', retryAfterSeconds: err.retryAfterSeconds };
    if (err instanceof ForbiddenError) return { kind: 'not-allowed', refusal: 'forbidden', reason: err.message };
    if (err instanceof ConflictError) return { kind: 'not-allowed', refusal: 'conflict', reason: err.message };
    if (err instanceof NotFoundError) return { kind: 'not-found' };
    throw err;
  }
}
