import { DIGEST_MAKERS } from '../../core/policy/change-policy';
import { makeDigest } from '../../core/use-cases/make-digest';
import type { Services } from '../../core/use-cases/services';
import { kmsDigestSigner } from '../aws/kms';
import { s3DigestStore } from '../aws/s3-digests';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, requireRole } from '../http/middleware';

/** POST /audit/digests → 201 the signed digest of the ledger now (`{digest, digestHash, signature}`); 403 not an auditor or release_admin. */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    requireRole(callerOf(event), ...DIGEST_MAKERS);
    return json(201, await makeDigest(svc));
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { digests: s3DigestStore, signer: kmsDigestSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
