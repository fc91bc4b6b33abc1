import * as z from 'zod';
import { SemanticVersion } from '../../core/change-request';
import { releaseNotesMarkdown } from '../../core/release-notes';
import { releaseNotesFor } from '../../core/use-cases/release-notes';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { callerOf, json, parseWith } from '../http/middleware';
import { pathParams, TargetPath } from '../http/path-params';

const Query = z.strictObject({ from: SemanticVersion, to: SemanticVersion });

/**
 * GET /targets/{target}/release-notes?from=&to= → 200 `{target, from, to, released, notReleased, markdown}`:
 * the versions above `from` up to `to`, released ones with their notes (release-notes.ts); 400 a bad
 * target name or version, or `from` not below `to`; 404 an unknown target. Any signed-in user reads them,
 * as they read the changes.
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    callerOf(event);
    const { target } = pathParams(event, TargetPath);
    const { from, to } = parseWith(Query, event.queryStringParameters ?? {}, 'query');
    const notes = await releaseNotesFor(svc, target, from, to);
    return json(200, { ...notes, markdown: releaseNotesMarkdown(notes) });
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
