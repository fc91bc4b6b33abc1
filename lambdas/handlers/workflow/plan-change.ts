import { startTests } from '../../core/use-cases/run-tests';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** PlanChange: submitted → testing; returns the artifact URI and the test command. */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef, (i, svc) => startTests(svc, i.changeId));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
