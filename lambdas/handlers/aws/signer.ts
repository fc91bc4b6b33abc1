import { SignerClient } from '@aws-sdk/client-signer';
import { SignerCodeSigner } from '../../adapters/signer-code-signer';
import type { CodeSigner } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `codeSigner` port: AWS Signer's profile `names.codeSigning.profileName`, signed zips under its prefix of the artifact bucket. */
export const signerCodeSigner: Port<CodeSigner> = {
  sdkClient: () => traced(new SignerClient({})),
  adapter: (signer, names) => {
    if (!names.codeSigning) throw new Error('the codeSigner port needs names.codeSigning (CODE_SIGNING_PROFILE_NAME)');
    return new SignerCodeSigner(signer, { ...names.codeSigning, bucket: names.artifactBucket });
  },
};
