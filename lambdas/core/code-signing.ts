/**
 * Where AWS Signer writes the signed zips of the code CMV publishes: this prefix of the artifact
 * bucket. The stack grants the signing jobs (through the caller's role) writes to it alone.
 */
export const CODE_SIGNING_SIGNED_PREFIX = 'code-signing/signed/';
