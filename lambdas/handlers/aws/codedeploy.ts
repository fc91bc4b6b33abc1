import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodeDeployDeployments } from '../../adapters/codedeploy-deployments';
import type { CodeDeployments } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `codeDeploy` port: deployments of CMV's CodeDeploy application and their hook reports. */
export const codeDeployDeployments: Port<CodeDeployments> = {
  sdkClient: () => traced(new CodeDeployClient({})),
  adapter: (codedeploy) => new CodeDeployDeployments(codedeploy),
};
