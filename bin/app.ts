#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CmvStack } from '../lib/cmv-stack';

const app = new App();
new CmvStack(app, 'Cmv', { description: 'CMV: change management & versioning for Lambda services' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
