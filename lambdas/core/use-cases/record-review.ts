import * as z from 'zod';
import type { Change } from '../change';
import { ConflictError, ForbiddenError } from '../errors';
import { recordChange } from './record-change';
import type { Caller, Services } from './services';

/** The body of POST /changes/{id}/review: the post-implementation review of an emergency change. */
export const ReviewRequest = z.strictObject({
  outcome: z.enum(['successful', 'partially_successful', 'unsuccessful']),
  summary: z.string().trim().min(10, 'must say what happened (10 characters at least)').max(10_000),
  followUps: z.array(z.string().trim().min(1).max(500)).max(50).default([]),
});
export type ReviewRequest = z.infer<typeof ReviewRequest>;

/**
 * Records the post-implementation review (PIR) the policy requires of an emergency change, once it
 * ended (ITIL 4: every emergency change is reviewed afterwards). Needs the cab or release_admin
 * role; the requester cannot review their own change.
 * @throws ForbiddenError (403); ConflictError (409) when no review is required, the change has not
 *   ended, or the review is already recorded
 */
export async function recordReview(svc: Services, caller: Caller, changeId: string, request: ReviewRequest): Promise<Change> {
  if (!caller.roles.some((r) => r === 'cab' || r === 'release_admin')) throw new ForbiddenError('recording a review needs the cab or release_admin role');
  return recordChange(svc, changeId, caller, (c) => {
    if (!c.plan.postImplementationReview) throw new ConflictError(`change ${changeId} needs no post-implementation review (rule ${c.plan.policy.ruleId})`);
    if (!['deployed', 'rolled_back', 'failed'].includes(c.status)) throw new ConflictError(`change ${changeId} is ${c.status}; review it once it has ended`);
    if (c.review) throw new ConflictError(`the review of change ${changeId} is already recorded`);
    if (c.requester === caller.id) throw new ForbiddenError('the requester cannot review their own change');
    const review = { by: caller.id, at: svc.now().toISOString(), ...request };
    return { event: 'PostImplementationReviewRecorded', patch: { review }, details: review };
  });
}
