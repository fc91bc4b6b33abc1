import type { APIGatewayProxyResult } from 'aws-lambda';
import { strFromU8 } from 'fflate';
import { linkHash, verifyLinkWithKeys } from '../../core/approval-link';
import { ApprovalDecisionRequest } from '../../core/change-request';
import { CmvError, LedgerContentionError } from '../../core/errors';
import { decideApproval } from '../../core/use-cases/decide-approval';
import type { Services } from '../../core/use-cases/services';
import { whatFollowsTheVote } from '../../core/vote-outcome';
import { s3Artifacts, s3DeploymentConfig } from '../aws/s3';
import { secretsManagerLinkKeys } from '../aws/secrets-manager';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { noticePage, reviewPage } from '../http/approval-view';
import { originOf } from '../http/middleware';

const html = (statusCode: number, body: string): APIGatewayProxyResult => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  },
  body,
});

const REFUSED = {
  malformed: [400, 'This link is not valid', 'The link is incomplete or damaged. Open it from the e-mail again, without changing it.'],
  forged: [403, 'This link is not valid', 'The link was not issued by CMV or was altered. Nothing was changed.'],
  expired: [410, 'This link has expired', 'Approval links expire. Ask the requester to request approval again. Nothing was changed.'],
} as const;

/**
 * GET /approvals/{token}: the review page (changes nothing: safe for mail scanners that pre-fetch
 * links). POST /approvals/{token} (form `decision`, `comment`): the approver's vote. The link is
 * the credential: signed, bound to one approver and change, expiring, single use.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    const token = event.pathParameters?.token ?? '';
    const verified = await verifyLinkWithKeys(svc.settings.linkKeys, token, svc.now());
    if (!verified.ok) {
      const [status, title, message] = REFUSED[verified.problem];
      return html(status, noticePage(title, message));
    }
    const { changeId, approver: approverId, expiresAt } = verified.claims;
    const approver = await svc.directory.find(approverId);
    const change = await svc.store.getChange(changeId);
    if (!approver || !change) return html(404, noticePage('Change not found', 'The change or the approver of this link no longer exists.'));
    if (change.approvals.some((v) => v.approver === approverId)) {
      return html(409, noticePage('Already decided', `You already voted on this change. It is now ${change.status.replace('_', ' ')}.`));
    }
    if (change.status !== 'awaiting_approval') {
      return html(409, noticePage('No longer awaiting approval', `This change is ${change.status.replace('_', ' ')}; your link no longer decides anything.`));
    }
    if (event.httpMethod !== 'POST') {
      const diff = change.source.kind === 'diff' ? strFromU8(await svc.artifacts.read(change.source.uri)) : undefined;
      const base = change.baseVersion ? await svc.store.getVersion(change.target, change.baseVersion) : undefined;
      return html(200, reviewPage(change, approver.name, diff, base?.config));
    }
    const raw = typeof event.body === 'string' ? event.body : '';
    const form = new URLSearchParams(event.isBase64Encoded ? Buffer.from(raw, 'base64').toString() : raw);
    const parsed = ApprovalDecisionRequest.safeParse({ decision: form.get('decision') ?? undefined, comment: form.get('comment') ?? '' });
    if (!parsed.success) return html(400, noticePage('Choose approve or reject', 'The form was incomplete. Go back and press Approve or Reject.'));
    if (parsed.data.decision === 'reject' && !parsed.data.comment.trim()) {
      return html(400, noticePage('A reason is needed', 'Go back and say why you reject the change.'));
    }
    try {
      const after = await decideApproval(svc, { ...approver, ...originOf(event) }, changeId, parsed.data, {
        hash: linkHash(token),
        expiresAtEpochS: expiresAt,
      });
      const verb = parsed.data.decision === 'approve' ? 'approved' : 'rejected';
      const next = whatFollowsTheVote(after);
      return html(200, noticePage(`You ${verb} the change`, `Change ${change.target} ${change.version}: ${next} Thank you.`));
    } catch (err) {
      if (err instanceof LedgerContentionError) {
        const busy = html(
          503,
          noticePage(
            'Busy: your vote was not recorded',
            'Many changes are being recorded at this moment. Nothing was changed; submit the form again in a moment.',
          ),
        );
        return { ...busy, headers: { ...busy.headers, 'retry-after': String(err.retryAfterSeconds) } };
      }
      if (err instanceof CmvError && err.statusCode < 500) return html(err.statusCode, noticePage('Your vote was not recorded', err.message));
      throw err;
    }
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, config: s3DeploymentConfig, linkKeys: secretsManagerLinkKeys, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
