import type { APIGatewayProxyResult } from 'aws-lambda';
import { decideByLink, type LinkOutcome } from '../../core/use-cases/decide-by-link';
import type { Services } from '../../core/use-cases/services';
import { whatFollowsTheVote } from '../../core/vote-outcome';
import { s3Artifacts, s3DeploymentConfig } from '../aws/s3';
import { secretsManagerLinkKeys } from '../aws/secrets-manager';
import { stepFunctionsWorkflow } from '../aws/step-functions';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { noticePage, reviewPage } from '../http/approval-view';
import { originOf } from '../http/middleware';
import { htmlResponse } from '../http/page-shell';

const html = (statusCode: number, body: string): APIGatewayProxyResult => htmlResponse(statusCode, body);

const statusText = (status: string) => status.replace('_', ' ');

/** The page and status of each outcome of deciding by a link. */
function respond(outcome: LinkOutcome): APIGatewayProxyResult {
  switch (outcome.kind) {
    case 'invalid-link':
      return outcome.problem === 'malformed'
        ? html(400, noticePage('This link is not valid', 'The link is incomplete or damaged. Open it from the e-mail again, without changing it.'))
        : html(403, noticePage('This link is not valid', 'The link was not issued by CMV or was altered. Nothing was changed.'));
    case 'expired':
      return html(410, noticePage('This link has expired', 'Approval links expire. Ask the requester to request approval again. Nothing was changed.'));
    case 'not-found':
      return html(404, noticePage('Change not found', 'The change or the approver of this link no longer exists.'));
    case 'already-used':
      return html(409, noticePage('Already decided', `You already voted on this change. It is now ${statusText(outcome.status)}.`));
    case 'closed':
      return html(409, noticePage('No longer awaiting approval', `This change is ${statusText(outcome.status)}; your link no longer decides anything.`));
    case 'confirm':
      return html(200, reviewPage(outcome.change, outcome.approverName, outcome.diff, outcome.baseConfig));
    case 'incomplete':
      return outcome.missing === 'no-decision'
        ? html(400, noticePage('Choose approve or reject', 'The form was incomplete. Go back and press Approve or Reject.'))
        : html(400, noticePage('A reason is needed', 'Go back and say why you reject the change.'));
    case 'recorded': {
      const verb = outcome.vote.decision === 'approve' ? 'approved' : 'rejected';
      const { target, version } = outcome.change;
      return html(200, noticePage(`You ${verb} the change`, `Change ${target} ${version}: ${whatFollowsTheVote(outcome.change)} Thank you.`));
    }
    case 'not-allowed':
      return html(outcome.refusal === 'forbidden' ? 403 : 409, noticePage('Your vote was not recorded', outcome.reason));
    case 'busy': {
      const busy = html(
        503,
        noticePage(
          'Busy: your vote was not recorded',
          'Many changes are being recorded at this moment. Nothing was changed; submit the form again in a moment.',
        ),
      );
      return { ...busy, headers: { ...busy.headers, 'retry-after': String(outcome.retryAfterSeconds) } };
    }
  }
}

/**
 * GET /approvals/{token}: the review page (changes nothing: safe for mail scanners that pre-fetch
 * links). POST /approvals/{token} (form `decision`, `comment`): the approver's vote. What the link
 * decides is the core's `decideByLink`; this maps its outcome to a page and a status.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    const token = event.pathParameters?.token ?? '';
    if (event.httpMethod !== 'POST') return respond(await decideByLink(svc, token, { kind: 'view' }));
    const raw = typeof event.body === 'string' ? event.body : '';
    const form = new URLSearchParams(event.isBase64Encoded ? Buffer.from(raw, 'base64').toString() : raw);
    const fields = { decision: form.get('decision') ?? undefined, comment: form.get('comment') ?? '' };
    return respond(await decideByLink(svc, token, { kind: 'vote', form: fields, origin: originOf(event) }));
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, config: s3DeploymentConfig, linkKeys: secretsManagerLinkKeys, workflow: stepFunctionsWorkflow };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
