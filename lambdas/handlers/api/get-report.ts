import Negotiator from 'negotiator';
import { canaryReport } from '../../core/canary-report';
import { NotFoundError } from '../../core/errors';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json } from '../http/middleware';
import { htmlResponse } from '../http/page-shell';
import { ChangePath, pathParams } from '../http/path-params';
import { reportPage } from '../http/report-view';

/** HTML only when the caller prefers it to JSON (a browser); JSON otherwise (RFC 9110 §12.5.1, via negotiator). */
const wantsHtml = (accept: string | undefined): boolean => new Negotiator({ headers: { accept } }).mediaType(['application/json', 'text/html']) === 'text/html';

/**
 * GET /changes/{id}/report → 200 the canary report: per step the requested weight, the observed
 * split, requests, error rate and p99 of the old and new versions, the alarm states, the decision
 * and its reason, plus the smoke test runs. JSON by default; an HTML page with an SVG chart of
 * weight and error rate over time when `Accept` prefers `text/html`. 400 a bad id; 404 for an unknown change.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const { id } = pathParams(event, ChangePath);
    const change = await svc.store.getChange(id);
    if (!change) throw new NotFoundError(`change ${id} does not exist`);
    const report = canaryReport(change, { now: svc.now() });
    if (wantsHtml(event.headers?.accept)) return htmlResponse(200, reportPage(report), { vary: 'Accept' });
    const res = json(200, report);
    return { ...res, headers: { ...res.headers, vary: 'Accept' } };
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
