import { NotAcceptableError } from '../../core/errors';
import { EVIDENCE_READERS } from '../../core/policy/change-policy';
import { buildEvidencePack } from '../../core/use-cases/evidence-pack';
import { recordAuditRead } from '../../core/use-cases/record-audit-read';
import type { Services } from '../../core/use-cases/services';
import { kmsDigestSigner } from '../aws/kms';
import { s3Artifacts } from '../aws/s3';
import { s3DigestStore } from '../aws/s3-digests';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, requireRole } from '../http/middleware';
import { ChangePath, pathParams } from '../http/path-params';

const ZIP = 'application/zip';

/** The first media type of an Accept header, lowercased, without parameters (API Gateway decides on it whether to send bytes). */
const firstAccepted = (accept: string | undefined): string => (accept ?? '').split(',')[0].split(';')[0].trim().toLowerCase();

/**
 * GET /changes/{id}/evidence (Accept: application/zip) → 200 the change's evidence pack, a zip
 * (lambdas/core/evidence-pack.ts), base64 for API Gateway to send as bytes; 400 a bad id; 403 not
 * one of EVIDENCE_READERS; 404 an unknown change; 406 `Accept` does not name application/zip first
 * (API Gateway would answer base64 text); 409 no signed digest covers the change's last entry yet
 * (retry after the next, or make one: POST /audit/digests); 503 the read could not be recorded. A
 * pack holds the change's ledger entries, so each download is a read of the audit trail: its
 * `AuditQueried` entry is appended once the pack is built and before it is answered.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    const caller = callerOf(event);
    requireRole(caller, ...EVIDENCE_READERS);
    const { id } = pathParams(event, ChangePath);
    if (firstAccepted(event.headers?.accept) !== ZIP) {
      throw new NotAcceptableError(`the evidence pack is a zip: send Accept: ${ZIP} (as its first media type)`);
    }
    const { zip, digest } = await buildEvidencePack(svc, id);
    await recordAuditRead(svc, caller, 'GET /changes/{id}/evidence', { changeId: id });
    return {
      statusCode: 200,
      headers: {
        'content-type': ZIP,
        'content-disposition': `attachment; filename="evidence-${id}.zip"`,
        'cache-control': 'no-store',
        'x-cmv-digest-seq': String(digest.digest.seq),
      },
      body: Buffer.from(zip).toString('base64'),
      isBase64Encoded: true,
    };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these): the test report, the digests, the digest key's public half. */
export const awsPorts: AwsPorts = { artifacts: s3Artifacts, digests: s3DigestStore, signer: kmsDigestSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
