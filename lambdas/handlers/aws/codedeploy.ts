import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodeDeployDeployments } from '../../adapters/codedeploy-deployments';
import type { CodeDeployments } from '../../core/ports';
import { traced } from '../observability';

/** The `codeDeploy` port in AWS: deployments of CMV's CodeDeploy application and their hook reports. */
export const codeDeployDeployments = (): CodeDeployments => new CodeDeployDeployments(traced(new CodeDeployClient({})));
