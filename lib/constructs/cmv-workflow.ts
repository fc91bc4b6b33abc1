import { readFileSync } from 'node:fs';
import { ArnFormat, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STATE_MACHINE_FILE, type WorkflowPlaceholder } from '../../lambdas/handlers/workflow/registry';
import { TEST_TASK_MARGIN_MINUTES } from '../test-build-timeouts';
import { allow } from './grants';
import { repoPath } from './repo';

/** Properties of a {@link CmvWorkflow}. */
export interface CmvWorkflowProps {
  /** The function of each ASL placeholder of WORKFLOW_FUNCTIONS. */
  readonly functions: Readonly<Record<WorkflowPlaceholder, IFunction>>;
  /**
   * The CodeBuild project of the `RunTests` state (`${TestProjectName}`), and the longest a build
   * of it may take (queued + build timeouts), which the ASL's test build tasks must outwait.
   */
  readonly testProject: { readonly projectName: string; readonly projectArn: string; readonly maxDuration: Duration };
  /**
   * The ASL file, relative to the repository root.
   * @default STATE_MACHINE_FILE (statemachines/change-lifecycle.asl.json)
   */
  readonly definitionFile?: string;
  /**
   * How long execution logs are kept.
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/** The placeholder of the CodeBuild project name in the ASL file. */
export const TEST_PROJECT_PLACEHOLDER = 'TestProjectName';

/**
 * The `${Name}` placeholders of an ASL document that need a substitution: those in any string
 * except `Comment`s, which are prose (the file's top comment mentions `${Placeholders}`).
 */
export function aslPlaceholders(asl: string): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key !== 'Comment') for (const m of value.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) found.add(m[1]);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(JSON.parse(asl));
  return found;
}

/**
 * Fails the synth when a test build task of the ASL (`codebuild:startBuild.sync`) would stop waiting
 * before CodeBuild gives up on the build: its TimeoutSeconds must exceed the project's queued +
 * build timeouts by TEST_TASK_MARGIN_MINUTES (time for Step Functions to learn that the build ended).
 * @throws Error naming the state, both durations and the file
 */
export function checkTestBuildTimeouts(asl: string, file: string, maxDuration: Duration): void {
  const states = (JSON.parse(asl) as { States: Record<string, { Resource?: string; TimeoutSeconds?: number }> }).States;
  const needed = maxDuration.toSeconds();
  const margin = TEST_TASK_MARGIN_MINUTES * 60;
  for (const [name, state] of Object.entries(states)) {
    if (state.Resource !== 'arn:aws:states:::codebuild:startBuild.sync') continue;
    // Without TimeoutSeconds Step Functions waits up to a year (the execution's limit): enough.
    if (state.TimeoutSeconds !== undefined && state.TimeoutSeconds < needed + margin) {
      throw new Error(
        `${name} waits ${state.TimeoutSeconds} s for a test build, which may queue and run for ${needed} s (+ ${margin} s margin): raise its TimeoutSeconds in ${file} or lower the project's timeouts`,
      );
    }
  }
}

/**
 * The change-lifecycle state machine, loaded from the same ASL file the local runtime runs, with
 * each `${Placeholder}` substituted by CloudFormation (the function ARNs and the test project's
 * name). Standard type, X-Ray tracing, ALL events with execution data to a log group.
 *
 * Its role may invoke exactly the workflow functions (unqualified ARNs, no `:*`), and run the
 * test project the way `codebuild:startBuild.sync` needs: StartBuild, StopBuild and BatchGetBuilds
 * on the project, and the managed EventBridge rule Step Functions uses to learn that a build ended.
 */
export class CmvWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CmvWorkflowProps) {
    super(scope, id);
    const file = repoPath(props.definitionFile ?? STATE_MACHINE_FILE);
    const substitutions: Record<string, string> = { [TEST_PROJECT_PLACEHOLDER]: props.testProject.projectName };
    for (const [placeholder, fn] of Object.entries(props.functions)) substitutions[placeholder] = fn.functionArn;
    const aslText = readFileSync(file, 'utf8');
    checkTestBuildTimeouts(aslText, file, props.testProject.maxDuration);
    const needed = aslPlaceholders(aslText);
    const missing = [...needed].filter((p) => !(p in substitutions));
    const unused = Object.keys(substitutions).filter((p) => !needed.has(p));
    if (missing.length > 0 || unused.length > 0) {
      throw new Error(
        `${file} and the workflow functions disagree: placeholders without a value: [${missing.join(', ')}]; values without a placeholder: [${unused.join(', ')}]`,
      );
    }

    const stack = Stack.of(this);
    this.logGroup = new LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps the CloudWatch Logs resource policy small (AWS's advice for Step Functions).
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-change-lifecycle`,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A fixed name, so grants can name the ARN without referencing the resource: the approval task
    // resumes its own wait (pre-approved rules), and a reference would make a dependency cycle.
    this.stateMachineName = `${stack.stackName}-change-lifecycle`;
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      comment: 'CMV change lifecycle: plan → test → approval → canary → promote or roll back',
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(file),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    const role = this.stateMachine.role;
    allow(
      role,
      ['lambda:InvokeFunction'],
      Object.values(props.functions).map((fn) => fn.functionArn),
    );
    allow(role, ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'], [props.testProject.projectArn]);
    allow(
      role,
      ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      [
        stack.formatArn({
          service: 'events',
          resource: 'rule',
          resourceName: 'StepFunctionsGetEventForCodeBuildStartBuildRule',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource * only for actions without resource-level permissions: X-Ray PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets (tracing) and the CloudWatch Logs log-delivery actions (CreateLogDelivery, GetLogDelivery, …) that Step Functions logging requires.',
    });
  }

  /** The state machine's ARN. */
  /** The state machine's name: `<stack>-change-lifecycle`. */
  readonly stateMachineName: string;

  get stateMachineArn(): string {
    return this.stateMachine.stateMachineArn;
  }

  /** Allows states:StartExecution of this state machine. */
  grantStartExecution(grantee: IGrantable): Grant {
    return allow(grantee, ['states:StartExecution'], [this.stateMachine.stateMachineArn]);
  }

  /**
   * Allows resuming a task of this state machine by its token: SendTaskSuccess and SendTaskFailure
   * (no heartbeat). The ARN is built from the fixed name, so a workflow task may hold this grant.
   */
  grantTaskResponse(grantee: IGrantable): Grant {
    const arn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return allow(grantee, ['states:SendTaskSuccess', 'states:SendTaskFailure'], [arn]);
  }
}
