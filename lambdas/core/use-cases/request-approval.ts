import { DEFAULT_APPROVAL_RULE, eligibleApprovers } from '../approval';
import { signLink } from '../approval-link';
import { ConflictError } from '../errors';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';

/**
 * The approval wait: keeps the task token in the backend, moves the change to `awaiting_approval`
 * and e-mails each eligible approver a link of their own. On a repeat (a restart re-entering the wait) only the token is replaced: the
 * links already sent keep working because they name the change, not the token.
 * @throws ConflictError when nobody may approve (the workflow fails the change rather than wait forever)
 */
export async function requestApproval(svc: Services, changeId: string, taskToken: string): Promise<void> {
  const before = await loadChange(svc, changeId);
  const approvers = eligibleApprovers(svc.directory.withRole('approver'), DEFAULT_APPROVAL_RULE, before.requester);
  if (approvers.length === 0) throw new ConflictError(`no approver other than the requester ${before.requester} exists`);
  // The token is stored before the change awaits approval, so no vote can find it missing.
  await svc.store.putTaskToken(changeId, taskToken);
  const change = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
    c.status !== 'testing'
      ? undefined
      : {
          event: 'ApprovalRequested',
          patch: { approvalRequestedAt: svc.now().toISOString() },
          details: { approvers: approvers.map((a) => a.id), quorum: DEFAULT_APPROVAL_RULE.quorum, roles: DEFAULT_APPROVAL_RULE.roles },
        },
  );
  // Re-entered after a restart: only the token changed; the links already sent still work.
  if (before.status !== 'testing') return;
  const secret = await svc.settings.linkSecret();
  for (const approver of approvers) {
    const token = signLink(secret, { changeId, approver: approver.id }, svc.now(), svc.settings.approvalLinkTtlSeconds);
    const link = `${svc.settings.apiBaseUrl}/approvals/${token}`;
    await svc.notifier.send({
      changeId,
      to: [approver.email],
      subject: `[CMV] Approval needed: ${change.target} ${change.version} — ${change.title}`,
      text: [
        `Hello ${approver.name},`,
        '',
        `${change.requester} asks you to approve a ${change.changeType} change (risk: ${change.riskLevel}) to ${change.target}:`,
        '',
        `  ${change.title}`,
        `  version ${change.version} (based on ${change.baseVersion ?? 'nothing'}), change ${changeId}`,
        `  tests: ${change.tests?.passed ? 'passed' : 'not run'}${change.tests ? ` (build ${change.tests.buildId})` : ''}`,
        '',
        'Review the change and approve or reject it here (the page asks you to confirm; opening it changes nothing):',
        '',
        `  ${link}`,
        '',
        `This link is yours alone, works once, and expires in ${Math.round(svc.settings.approvalLinkTtlSeconds / 3600)} hours.`,
      ].join('\n'),
    });
  }
}
