import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import middy, { type MiddlewareObj } from '@middy/core';
import { METRICS_NAMESPACE, type OperationalMetric, SERVICE_NAME } from '../core/operational-metrics';

// Outside Lambda (the local runtime runs these handlers in its own process; the tests) no CloudWatch
// reads the EMF lines, so metrics are off unless asked for, and a terminal gets indented log lines
// (Powertools' dev mode). Each is a default: an explicit POWERTOOLS_* variable wins.
if (!process.env.AWS_LAMBDA_FUNCTION_NAME) {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  if (process.stdout.isTTY) process.env.POWERTOOLS_DEV ??= 'true';
}

/**
 * CMV's logger: one JSON object a line (level, message, timestamp, service, the Lambda context's
 * `function_request_id`, and `changeId` while an invocation concerns a change). The level is
 * POWERTOOLS_LOG_LEVEL's (default INFO).
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });

/**
 * CMV's metrics, in namespace `CMV` with the dimension `service: cmv`, written as EMF lines that
 * CloudWatch Logs turns into metrics; flushed after every invocation by {@link observability}.
 */
export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: SERVICE_NAME,
  // Most invocations emit no metric, and Metrics warns about each such flush: that one goes to DEBUG.
  logger: {
    debug: (...m: unknown[]) => logger.debug(String(m[0])),
    info: (...m: unknown[]) => logger.info(String(m[0])),
    warn: (...m: unknown[]) => (String(m[0]).startsWith('No application metrics to publish') ? logger.debug(String(m[0])) : logger.warn(String(m[0]))),
    error: (...m: unknown[]) => logger.error(String(m[0])),
  },
});

/**
 * Whether invocations are traced (X-Ray; the functions run with active tracing): inside Lambda
 * (AWS_EXECUTION_ENV) unless POWERTOOLS_TRACE_ENABLED=false — the rule Powertools' Tracer itself applies.
 */
const TRACING = Boolean(process.env.AWS_EXECUTION_ENV) && process.env.POWERTOOLS_TRACE_ENABLED !== 'false';

/**
 * CMV's tracer, loaded only when {@link TRACING}: loading Powertools' Tracer (aws-xray-sdk-core's
 * cls-hooked) installs an async hook that makes every promise of the process about ten times
 * slower, which the local runtime (every handler in one process) and the tests would pay for
 * tracing nothing. In Lambda it comes from the Powertools layer (external to the bundles).
 */
const tracer: Tracer | undefined = TRACING
  ? new (require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer')).Tracer({ serviceName: SERVICE_NAME })
  : undefined;

/** An AWS SDK v3 client whose calls become X-Ray subsegments (the client itself when tracing is off). */
export function traced<C>(client: C): C {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

/** The change an invocation concerns: a workflow task's or a wake's `changeId`, a `/changes/{id}` path's id, or a CMV event's detail. */
export function changeIdOf(event: unknown): string | undefined {
  if (!event || typeof event !== 'object') return undefined;
  const e = event as { changeId?: unknown; resource?: unknown; pathParameters?: { id?: unknown } | null; detail?: { changeId?: unknown } };
  const candidates = [
    e.changeId,
    typeof e.resource === 'string' && e.resource.startsWith('/changes/{id}') ? e.pathParameters?.id : undefined,
    e.detail?.changeId,
  ];
  return candidates.find((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= 128);
}

/**
 * Outside Lambda a handler is called without a context (the local runtime): it gets a request id of
 * its own — an API request's id, which the local API server's access log names — so that its log
 * lines carry one as in AWS.
 */
const localContext = (): MiddlewareObj => ({
  before: (request) => {
    const context = request.context as { awsRequestId?: string };
    const apiRequestId = (request.event as { requestContext?: { requestId?: unknown } } | undefined)?.requestContext?.requestId;
    context.awsRequestId ??= typeof apiRequestId === 'string' && apiRequestId ? apiRequestId : randomUUID();
  },
});

/**
 * Appends the invocation's change id (see {@link changeIdOf}) to every log line of the invocation,
 * and logs an error the invocation fails with (one no middleware answered, as the API's JSON errors
 * do): a workflow task's error goes to the ASL's Catch, which logs nothing of it.
 */
const invocationLog = (): MiddlewareObj => ({
  before: (request) => {
    const changeId = changeIdOf(request.event);
    if (changeId) logger.appendKeys({ changeId });
  },
  onError: (request) => {
    if (request.response === undefined && request.error) logger.error('invocation failed', request.error);
  },
});

/** Powertools' `captureLambdaHandler`, required only when tracing (see {@link tracer}). */
function tracedInvocation(on: Tracer): MiddlewareObj {
  const { captureLambdaHandler } = require('@aws-lambda-powertools/tracer/middleware') as typeof import('@aws-lambda-powertools/tracer/middleware');
  return captureLambdaHandler(on, { captureResponse: false });
}

/**
 * The middlewares of every CMV handler, in this order: a request id outside Lambda; Powertools'
 * `injectLambdaContext` (the context on each log line, keys reset after the invocation); the
 * change id; `logMetrics` (EMF flushed after the invocation, also when it fails);
 * `captureLambdaHandler` when tracing (the invocation as an X-Ray subsegment, its error recorded; not its
 * response, which may hold people's e-mail addresses).
 */
export function observability(): MiddlewareObj[] {
  return [
    localContext(),
    injectLambdaContext(logger, { resetKeys: true }),
    invocationLog(),
    logMetrics(metrics),
    ...(tracer ? [tracedInvocation(tracer)] : []),
  ];
}

/**
 * A handler of an event source other than the API and the workflow (EventBridge rules and
 * schedules, the ledger stream, CodeDeploy hooks, the deploy-time custom resource) with the
 * {@link observability} middlewares; called without a context (the local runtime), it works the same.
 */
export function observed<E, R>(fn: (event: E) => Promise<R>): ObservedHandler<E, R> {
  return middy(fn).use(observability()) as unknown as ObservedHandler<E, R>;
}

/** A handler built by {@link observed}: a scheduled one is called without an event (locally). */
export type ObservedHandler<E, R> = (event: E, context?: unknown) => Promise<R>;

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, Seconds: MetricUnit.Seconds } as const;

/**
 * Adds CMV's operational metrics to this invocation's flush; a metric with dimensions of its own
 * (`Rollbacks` by `cause`) is written at once as a line of its own, so that its dimension does not
 * apply to the others.
 */
export function emit(points: readonly OperationalMetric[]): void {
  for (const p of points) {
    const dims = Object.entries(p.dimensions ?? {});
    if (dims.length === 0) {
      metrics.addMetric(p.name, UNITS[p.unit], p.value);
      continue;
    }
    const single = metrics.singleMetric();
    for (const [name, value] of dims) single.addDimension(name, value);
    single.addMetric(p.name, UNITS[p.unit], p.value);
  }
}
