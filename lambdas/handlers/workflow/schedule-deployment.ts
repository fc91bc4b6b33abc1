import { scheduleDeployment } from '../../core/use-cases/schedule-deployment';
import type { Services } from '../../core/use-cases/services';
import { s3DeploymentConfig } from '../aws/s3';
import { type AwsPorts, awsServices } from '../aws-services';
import { lazy } from '../http/api-handler';
import { ChangeRef } from './schemas';
import { taskHandler } from './task-handler';

/** ScheduleDeployment: the earliest start in the change's window; returns `{startAt, wait}`. */
export const makeHandler = (svc: Services) => taskHandler(svc, ChangeRef, (i, svc) => scheduleDeployment(svc, i.changeId));

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = { config: s3DeploymentConfig };

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
