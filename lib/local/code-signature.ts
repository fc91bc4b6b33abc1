import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import * as z from 'zod';

/**
 * How the local Signer carries a code signature in a Lambda zip, and how the local Lambda checks
 * it. AWS Signer's own format is its business; locally the signature travels in the zip's archive
 * comment (the end-of-central-directory record's comment field, which unzip tools ignore), so the
 * signed zip still unzips to exactly the files that were signed:
 *
 *   comment = `CMV-LOCAL-SIGNATURE ` + base64(JSON {@link LocalCodeSignature})
 *
 * The signature is ECDSA P-384 with SHA-384 (the platform `AWSLambda-SHA384-ECDSA`) over
 * {@link signedPayload}: the profile version, the job, the signing and expiry times, and the
 * SHA-384 of the zip as it was before signing (the signed zip with its comment removed). One byte
 * changed anywhere in the files, the directory or the signature record fails the check.
 */

/** What the archive comment of a locally signed zip starts with. */
export const SIGNATURE_PREFIX = 'CMV-LOCAL-SIGNATURE ';

/** The signature record a locally signed zip carries. Times are ISO-8601; `digest` and `signature` base64. */
export const LocalCodeSignature = z.object({
  format: z.literal('cmv-local-signer/1'),
  profileVersionArn: z.string(),
  jobId: z.string(),
  signedAt: z.string(),
  expiresAt: z.string(),
  /** SHA-384 of the unsigned zip. */
  digest: z.string(),
  /** DER ECDSA P-384 signature of {@link signedPayload}. */
  signature: z.string(),
});
export type LocalCodeSignature = z.infer<typeof LocalCodeSignature>;

/** A zip split into the zip that was signed and the signature it carries (if any). */
export interface ReadSignature {
  /** The zip without its archive comment: what was signed. */
  readonly content: Uint8Array;
  readonly signature?: LocalCodeSignature;
  /** Why the bytes are no zip, or the comment is no readable signature; undefined when neither. */
  readonly malformed?: string;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_LENGTH = 22;
const MAX_COMMENT = 0xffff;

/** Offset of the end-of-central-directory record: the last one whose comment ends the file; undefined when there is none. */
function findEocd(zip: Uint8Array): number | undefined {
  const view = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let at = zip.length - EOCD_LENGTH; at >= 0 && at >= zip.length - EOCD_LENGTH - MAX_COMMENT; at--) {
    if (view.readUInt32LE(at) === EOCD_SIGNATURE && at + EOCD_LENGTH + view.readUInt16LE(at + 20) === zip.length) return at;
  }
  return undefined;
}

/** SHA-384 (base64) of bytes. */
export function sha384(bytes: Uint8Array): string {
  return createHash('sha384').update(bytes).digest('base64');
}

/** The bytes a local code signature signs (everything in the record but the signature itself). */
export function signedPayload(record: Omit<LocalCodeSignature, 'signature'>): Buffer {
  return Buffer.from(JSON.stringify([record.format, record.profileVersionArn, record.jobId, record.signedAt, record.expiresAt, record.digest]), 'utf8');
}

/**
 * Reads the signature a zip carries. A zip with no archive comment is unsigned (`signature`
 * undefined); a comment that is not a signature record is `malformed`, as are bytes with no
 * end-of-central-directory record.
 */
export function readSignature(zip: Uint8Array): ReadSignature {
  const at = findEocd(zip);
  if (at === undefined) return { content: zip, malformed: 'the code is not a zip file (no end of central directory)' };
  const commentLength = zip.length - at - EOCD_LENGTH;
  const content = new Uint8Array(at + EOCD_LENGTH);
  content.set(zip.subarray(0, at + EOCD_LENGTH));
  content[at + 20] = 0;
  content[at + 21] = 0;
  if (commentLength === 0) return { content };
  const comment = Buffer.from(zip.subarray(at + EOCD_LENGTH)).toString('utf8');
  if (!comment.startsWith(SIGNATURE_PREFIX)) return { content, malformed: 'the zip carries an archive comment that is no signature' };
  try {
    const parsed = LocalCodeSignature.parse(JSON.parse(Buffer.from(comment.slice(SIGNATURE_PREFIX.length), 'base64').toString('utf8')));
    return { content, signature: parsed };
  } catch {
    return { content, malformed: 'the signature record in the zip does not parse' };
  }
}

/**
 * Signs an unsigned zip: the same bytes with the signature record as its archive comment.
 * @throws Error when the zip is empty, not a zip, or already carries a comment (a signature):
 *   AWS Signer fails such a job
 */
export function signZip(
  zip: Uint8Array,
  key: KeyObject,
  record: Pick<LocalCodeSignature, 'profileVersionArn' | 'jobId' | 'signedAt' | 'expiresAt'>,
): Uint8Array {
  if (zip.length === 0) throw new Error('the file to sign is empty');
  const at = findEocd(zip);
  if (at === undefined) throw new Error('the file to sign is not a valid zip file');
  if (zip.length !== at + EOCD_LENGTH) throw new Error('the zip file already has a signature');
  const unsigned = { format: 'cmv-local-signer/1' as const, ...record, digest: sha384(zip) };
  const signature = sign('sha384', signedPayload(unsigned), key).toString('base64');
  const comment = Buffer.from(SIGNATURE_PREFIX + Buffer.from(JSON.stringify({ ...unsigned, signature })).toString('base64'), 'utf8');
  const out = new Uint8Array(zip.length + comment.length);
  out.set(zip);
  out.set(comment, zip.length);
  out[at + 20] = comment.length & 0xff;
  out[at + 21] = comment.length >> 8;
  return out;
}

/** Whether the record's signature verifies with `publicKey` and its digest is that of `content`. */
export function signatureIntact(content: Uint8Array, record: LocalCodeSignature, publicKey: KeyObject): boolean {
  if (record.digest !== sha384(content)) return false;
  const { signature, ...unsigned } = record;
  try {
    return verify('sha384', signedPayload(unsigned), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
