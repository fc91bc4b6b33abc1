import { approversToNotify } from '../approval';
import { signLink } from '../approval-link';
import type { Change } from '../change';
import { deliverDecision } from './deliver-decision';
import { loadChange, recordChange } from './record-change';
import { type Services, WORKFLOW_ACTOR } from './services';

/**
 * The approval wait: keeps the task token in the backend, moves the change to `awaiting_approval`
 * with its expiry (the policy rule's approval timeout), and e-mails every eligible approver a link
 * of their own. A rule without approver groups (pre-approved, e.g. non-production) approves at once,
 * on a retry too.
 * On a repeat (a restart re-entering the wait, a retry) the token is replaced — the links already
 * sent keep working because they name the change, not the token — and a decision already recorded
 * is delivered; while votes are still open, the links go out again to whoever has not voted: the
 * e-mails follow the record, so a crash or a failed send after it commits must not leave the
 * approvers without a link (at least once, never none).
 */
export async function requestApproval(svc: Services, changeId: string, taskToken: string): Promise<void> {
  const before = await loadChange(svc, changeId);
  // The token is stored before the change awaits approval, so no vote can find it missing.
  await svc.store.putTaskToken(changeId, taskToken, 'approval');
  const groups = before.plan.approvals.groups;
  const now = svc.now();
  const change = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
    c.status !== 'testing'
      ? undefined
      : {
          event: 'ApprovalRequested',
          patch: {
            approvalRequestedAt: now.toISOString(),
            approvalExpiresAt: new Date(now.getTime() + c.plan.approvals.timeoutHours * 3600_000).toISOString(),
          },
          details: {
            groups: groups.map((g) => ({ name: g.name, roles: g.roles, required: g.required, eligible: g.eligible })),
            timeoutHours: c.plan.approvals.timeoutHours,
          },
        },
  );
  // Pre-approved: also on a retry whose first run committed ApprovalRequested but not ChangeApproved
  // (a contended ledger, a crash in between) — no vote will ever come to approve it.
  if (groups.length === 0 && change.status === 'awaiting_approval') {
    const approved = await recordChange(svc, changeId, WORKFLOW_ACTOR, (c) =>
      c.approvedAt
        ? undefined
        : { event: 'ChangeApproved', patch: { approvedAt: svc.now().toISOString() }, details: { preApproved: true, rule: c.plan.policy.ruleId } },
    );
    await deliverDecision(svc, approved, taskToken);
    return;
  }
  // Re-entered after a restart: the token changed; a decision recorded before the restart (whose
  // SendTaskSuccess never happened) is delivered now; otherwise the links may never have gone out.
  if (before.status !== 'testing') {
    if (await deliverDecision(svc, change, taskToken)) return;
    if (change.status === 'awaiting_approval') await sendLinks(svc, change, new Set(change.approvals.map((v) => v.approver)));
    return;
  }
  await sendLinks(svc, change);
}

/** E-mails each eligible approver not in `voted` a link of their own. */
async function sendLinks(svc: Services, change: Change, voted: ReadonlySet<string> = new Set()): Promise<void> {
  const secret = await svc.settings.linkKeys.signing();
  const groups = change.plan.approvals.groups;
  const needs = groups.map((g) => `${g.name}: ${g.required} of ${g.eligible.length}`).join('; ');
  for (const approver of approversToNotify(groups, await svc.directory.all()).filter((a) => !voted.has(a.id))) {
    const token = signLink(secret, { changeId: change.changeId, approver: approver.id }, svc.now(), svc.settings.approvalLinkTtlSeconds);
    const link = `${svc.settings.apiBaseUrl}/approvals/${token}`;
    await svc.notifier.send({
      changeId: change.changeId,
      to: [approver.email],
      subject: `[CMV] Approval needed: ${change.target} ${change.version} — ${change.title}`,
      text: [
        `Hello ${approver.name},`,
        '',
        `${change.requester} asks you to approve a ${change.changeType} change (risk: ${change.riskLevel}) to ${change.target}:`,
        '',
        `  ${change.title}`,
        `  version ${change.version} (based on ${change.baseVersion ?? 'nothing'}), change ${change.changeId}`,
        `  tests: ${change.tests?.passed ? 'passed' : 'not run'}${change.tests?.suites ? ` (${change.tests.suites.map((s) => s.suite).join(', ')})` : ''}`,
        `  policy: rule ${change.plan.policy.ruleId} — approvals needed: ${needs}`,
        `  earliest start: ${change.plan.window.bypass ? 'at once (emergency)' : change.plan.window.earliestStart} (${change.plan.window.timeZone})`,
        '',
        'Review the change and approve or reject it here (the page asks you to confirm; opening it changes nothing):',
        '',
        `  ${link}`,
        '',
        `This link is yours alone, works once, and expires ${change.approvalExpiresAt ? `at ${change.approvalExpiresAt}` : 'with the approval'}.`,
      ].join('\n'),
    });
  }
}
