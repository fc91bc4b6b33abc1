import * as z from 'zod';
import { AUDIT_READERS } from '../../core/policy/change-policy';
import { recordAuditRead } from '../../core/use-cases/record-audit-read';
import type { Services } from '../../core/use-cases/services';
import { verifyLedger } from '../../core/use-cases/verify-ledger';
import { kmsDigestSigner } from '../aws/kms';
import { s3DigestStore } from '../aws/s3-digests';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, parseWith, requireRole } from '../http/middleware';

const Query = z.strictObject({
  from: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  kept: z
    .string()
    .regex(/^[1-9][0-9]{0,15}:[0-9a-f]{64}$/, 'must be <digest seq>:<digestHash> (64 lowercase hex digits)')
    .transform((v) => {
      const [seq, digestHash] = v.split(':');
      return { seq: Number(seq), digestHash };
    })
    .optional(),
});

/**
 * GET /audit/verify?from=<digest seq>&kept=<seq>:<digestHash> → 200 `{valid: true, entries, chains,
 * digests, latestDigest, heads, publicKey}` or `{valid: false, chain, firstBadSeq, reason, detail,
 * faults}` (reason: altered | missing | re-ordered | forked | rewritten-and-re-hashed); 400 a bad
 * parameter; 403 not one of AUDIT_READERS; 404 `from` names no stored digest; 503 the read could not be
 * recorded (its `AuditQueried` entry is appended after the verification, before the answer).
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    const caller = callerOf(event);
    requireRole(caller, ...AUDIT_READERS);
    const q = parseWith(Query, event.queryStringParameters ?? {}, 'query');
    const verdict = await verifyLedger(svc, { fromDigest: q.from, kept: q.kept });
    await recordAuditRead(svc, caller, 'GET /audit/verify', event.queryStringParameters ?? {});
    return json(200, verdict);
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { digests: s3DigestStore, signer: kmsDigestSigner };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
