import { makeDigest } from '../../core/use-cases/make-digest';
import type { Services } from '../../core/use-cases/services';
import { kmsDigestSigner } from '../aws/kms';
import { s3DigestStore } from '../aws/s3-digests';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { logger, observed } from '../observability';

/**
 * EventBridge: every 15 minutes, and when a deployment ends (CMV's own events `Deployment
 * Succeeded` and `Deployment Rolled Back`), signs and stores a digest of the ledger, and logs it.
 * @returns the digest's seq and hash
 */
export const makeHandler = (svc: Services) =>
  observed(async () => {
    const signed = await makeDigest(svc);
    logger.info('ledger digest stored', { seq: signed.digest.seq, digestHash: signed.digestHash, entries: signed.digest.entries });
    return { seq: signed.digest.seq, digestHash: signed.digestHash };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { digests: s3DigestStore, signer: kmsDigestSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
