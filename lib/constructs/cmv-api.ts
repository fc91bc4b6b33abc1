import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  EndpointType,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { API_ROUTES, type ApiRoute, type AwsApiHandlerName, type AwsApiRoute, BINARY_MEDIA_TYPES, isLocalOnly } from '../../lambdas/handlers/api/routes';

/** Requests per second and burst. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Properties of a {@link CmvApi}. */
export interface CmvApiProps {
  /** The function of each handler module named in the routes (local-only routes have none). */
  readonly handlers: Readonly<Record<AwsApiHandlerName, IFunction>>;
  /** The user pool whose ID tokens authorise `auth: true` routes. */
  readonly userPool: IUserPool;
  /**
   * The routes to build; `localOnly` routes are left out (the local API server serves them).
   * @default API_ROUTES from lambdas/handlers/api/routes.ts
   */
  readonly routes?: readonly ApiRoute[];
  /**
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Handlers whose request body must be a JSON object; API Gateway rejects anything else before the
   * Lambda runs (the handler's zod schema still validates the fields).
   * @default ['propose-change', 'decide-approval', 'register-target', 'record-review']
   */
  readonly jsonBodyHandlers?: readonly AwsApiHandlerName[];
  /**
   * Throttling of the stage (every method).
   * @default { rateLimit: 25, burstLimit: 50 }
   */
  readonly throttle?: Throttle;
  /**
   * Throttling of each unauthenticated method (the approval page), tighter because anyone can call it.
   * @default { rateLimit: 5, burstLimit: 10 }
   */
  readonly publicThrottle?: Throttle;
  /**
   * A regional WAFv2 web ACL to associate with the stage.
   * @default - none
   */
  readonly webAclArn?: string;
  /**
   * How long access logs are kept.
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/** Path parameters of an API Gateway path template: `/targets/{target}/versions/{version}` → target, version. */
export const pathParameters = (path: string): string[] => [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]);

/**
 * The CMV REST API, built from the route table that the local API server also routes with (less its
 * `localOnly` routes: the target's own callers reach its function directly in AWS). Routes
 * with `auth: true` need a Cognito ID token; the approval page (`auth: false`) has no authorizer,
 * because its signed, single-use link is the credential, and gets tighter throttling.
 *
 * The stage traces with X-Ray, writes JSON access logs (the resource path, never the raw path,
 * which for the approval page contains the link token) and ERROR execution logs, without data traces.
 */
export class CmvApi extends Construct {
  readonly api: RestApi;
  readonly stageName: string;
  readonly accessLogs: LogGroup;
  /** Each route's method, in the order of the routes. */
  readonly methods: readonly Method[];

  constructor(scope: Construct, id: string, props: CmvApiProps) {
    super(scope, id);
    const routes = (props.routes ?? API_ROUTES).filter((r): r is AwsApiRoute => !isLocalOnly(r));
    const jsonBody = new Set<string>(props.jsonBodyHandlers ?? ['propose-change', 'decide-approval', 'register-target', 'record-review']);
    const throttle = props.throttle ?? { rateLimit: 25, burstLimit: 50 };
    const publicThrottle = props.publicThrottle ?? { rateLimit: 5, burstLimit: 10 };
    this.stageName = props.stageName ?? 'v1';

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention ?? RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
    const publicMethodOptions: Record<string, MethodDeploymentOptions> = {};
    for (const route of routes.filter((r) => !r.auth)) {
      publicMethodOptions[`${route.path}/${route.method}`] = {
        throttlingRateLimit: publicThrottle.rateLimit,
        throttlingBurstLimit: publicThrottle.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        metricsEnabled: true,
        dataTraceEnabled: false,
      };
    }
    this.api = new RestApi(this, 'Api', {
      description: 'CMV: change management & versioning',
      endpointTypes: [EndpointType.REGIONAL],
      // The evidence pack's zip: its handler answers base64, API Gateway sends the bytes to a caller accepting it.
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      // API Gateway logs through one role per account and region; keep it when this stack goes.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: this.stageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        methodOptions: publicMethodOptions,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            time: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            userAgent: AccessLogField.contextIdentityUserAgent(),
            caller: AccessLogField.contextAuthorizerClaims('cognito:username'),
            method: AccessLogField.contextHttpMethod(),
            resource: AccessLogField.contextResourcePath(),
            status: AccessLogField.contextStatus(),
            errorType: AccessLogField.contextErrorResponseType(),
            latencyMs: AccessLogField.contextResponseLatency(),
            integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
            responseLength: AccessLogField.contextResponseLength(),
            xrayTraceId: AccessLogField.contextXrayTraceId(),
          }),
        ),
      },
    });

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', { cognitoUserPools: [props.userPool] });
    const parametersValidator = this.api.addRequestValidator('Parameters', { validateRequestParameters: true });
    const bodyValidator = this.api.addRequestValidator('JsonBody', { validateRequestParameters: true, validateRequestBody: true });
    const jsonObject = this.api.addModel('JsonObject', {
      contentType: 'application/json',
      description: 'Any JSON object; the handler validates its fields',
      schema: { schema: JsonSchemaVersion.DRAFT4, title: 'JsonObject', type: JsonSchemaType.OBJECT },
    });

    const integrations = new Map<AwsApiHandlerName, LambdaIntegration>();
    const integrationOf = (handler: AwsApiHandlerName) => {
      let integration = integrations.get(handler);
      if (!integration) {
        const fn = props.handlers[handler];
        if (!fn) throw new Error(`no function for API handler ${handler}`);
        integration = new LambdaIntegration(fn, { allowTestInvoke: false });
        integrations.set(handler, integration);
      }
      return integration;
    };

    this.methods = routes.map((route) => {
      const params = pathParameters(route.path);
      const hasJsonBody = jsonBody.has(route.handler);
      const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integrationOf(route.handler), {
        ...(route.auth ? { authorizationType: AuthorizationType.COGNITO, authorizer } : { authorizationType: AuthorizationType.NONE }),
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
        ...(hasJsonBody
          ? { requestValidator: bodyValidator, requestModels: { 'application/json': jsonObject } }
          : params.length > 0
            ? { requestValidator: parametersValidator }
            : {}),
      });
      if (!route.auth) {
        Validations.of(method).acknowledge(
          {
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} is the approval page opened from an e-mail: the signed, approver-bound, expiring, single-use link in the path is the credential (verified by the handler), so there is no authorizer.`,
          },
          {
            id: 'AwsSolutions-COG4',
            reason: `${route.method} ${route.path}: approvers open it from e-mail without a Cognito session; the signed link is the credential.`,
          },
        );
      }
      return method;
    });

    if (props.webAclArn) {
      new CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: props.webAclArn });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL by default (pass webAclArn to associate one): every route but the approval page needs a Cognito token, the approval page is rate-limited per method, and the stage is throttled.',
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason: 'The account-level role API Gateway writes execution logs with uses the AWS managed policy that API Gateway documents for it.',
    });
  }

  /**
   * The invoke URL of the stage, without a trailing slash, built from the API id and the stage
   * name only: unlike `api.url` it does not depend on the deployment, so functions the API
   * (indirectly) depends on may carry it without a dependency cycle.
   */
  get baseUrl(): string {
    const stack = Stack.of(this);
    return `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${this.stageName}`;
  }
}
