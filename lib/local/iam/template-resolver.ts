/** A CloudFormation template, as far as the resolver reads it. */
export interface Template {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: Readonly<Record<string, unknown>> }>>;
}

/** Where the template is "deployed": the pseudo parameters, and the physical names of resources the template leaves unnamed. */
export interface Deployment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  /**
   * Physical names by logical ID of the resources the local runtime creates under its own names (tables, buckets, topics, the
   * wake schedule group…), over any name property; the others get their name property, else `<stackName>-<logicalId>`.
   */
  readonly names: Readonly<Record<string, string>>;
}

/** The property that names a resource of each type, where the template may set it. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::CodeDeploy::Application': 'ApplicationName',
  'AWS::CodeDeploy::DeploymentGroup': 'DeploymentGroupName',
  'AWS::CodeDeploy::DeploymentConfig': 'DeploymentConfigName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::CodeBuild::Project': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::Scheduler::ScheduleGroup': 'Name',
};

/** A resource's `Ref` and attributes, given its physical name (`n`) and what else its type's ARN needs. */
type Refs = { readonly ref: string; readonly attrs: Readonly<Record<string, string>> };

/**
 * Resolves the intrinsic functions of a CloudFormation template (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::Select, Fn::Split and the pseudo parameters) to the values a deployment gives them: each
 * resource's Ref and ARN built the way CloudFormation documents them for its type, from its name
 * property or the deployment's name for it. Used to read the synthesized role policies with the local
 * runtime's names, so that they authorize exactly what the local runtime's resources are called.
 */
export class TemplateResolver {
  private readonly cache = new Map<string, Refs>();

  constructor(
    private readonly template: Template,
    private readonly deployment: Deployment,
  ) {}

  /**
   * The value with every intrinsic function resolved; `AWS::NoValue` entries are dropped.
   * @throws Error naming an intrinsic function or resource it cannot resolve (Fn::If, Fn::ImportValue, an unknown logical ID)
   */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== undefined);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      switch (fn) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = typeof arg === 'string' ? (arg.split(/\.(.*)/s) as [string, string]) : (arg as [string, string]);
          return this.attribute(id, attr);
        }
        case 'Fn::Join': {
          const [separator, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Sub':
          return this.sub(arg as string | [string, Record<string, unknown>]);
        case 'Fn::Select': {
          const [index, list] = arg as [number | string, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(separator);
        }
        default:
          if (fn.startsWith('Fn::') || fn === 'Condition') throw new Error(`the local IAM check cannot resolve ${fn} in ${JSON.stringify(value)}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]).filter(([, v]) => v !== undefined));
  }

  private sub(arg: string | [string, Record<string, unknown>]): string {
    const [text, vars] = typeof arg === 'string' ? [arg, {}] : arg;
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in vars) return String(this.resolve(vars[name]));
      const [id, attr] = name.split(/\.(.*)/s);
      return String(attr ? this.attribute(id, attr) : this.ref(id));
    });
  }

  private ref(id: string): string | undefined {
    const { partition, region, account, stackName } = this.deployment;
    const pseudo: Record<string, string | undefined> = {
      'AWS::Partition': partition,
      'AWS::Region': region,
      'AWS::AccountId': account,
      'AWS::StackName': stackName,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NoValue': undefined,
    };
    if (id in pseudo) return pseudo[id];
    return this.refs(id).ref;
  }

  private attribute(id: string, attr: string): string {
    const refs = this.refs(id);
    return refs.attrs[attr] ?? `${refs.ref}.${attr}`;
  }

  private refs(id: string): Refs {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`the template has no resource ${id}`);
    const refs = this.refsOf(id, resource.Type, resource.Properties ?? {});
    this.cache.set(id, refs);
    return refs;
  }

  private refsOf(id: string, type: string, props: Readonly<Record<string, unknown>>): Refs {
    const { partition: p, region: r, account: a, stackName, names } = this.deployment;
    const nameProperty = NAME_PROPERTY[type];
    // The local runtime's own name first (it creates those resources under it, e.g. the wake schedule group whose Name the CDK
    // generates), then the template's name property, then CloudFormation's way of naming: `<stack>-<logical id>`.
    const n = names[id] ?? (nameProperty && props[nameProperty] !== undefined ? String(this.resolve(props[nameProperty])) : `${stackName}-${id}`);
    const arn = (service: string, resource: string, regional = true) => `arn:${p}:${service}:${regional ? r : ''}:${a}:${resource}`;
    switch (type) {
      case 'AWS::DynamoDB::Table':
        return { ref: n, attrs: { Arn: arn('dynamodb', `table/${n}`), StreamArn: arn('dynamodb', `table/${n}/stream/local`) } };
      case 'AWS::S3::Bucket':
        return { ref: n, attrs: { Arn: `arn:${p}:s3:::${n}` } };
      case 'AWS::SNS::Topic':
        return { ref: arn('sns', n), attrs: { TopicArn: arn('sns', n), TopicName: n } };
      case 'AWS::SecretsManager::Secret':
        return { ref: arn('secretsmanager', `secret:${n}`), attrs: { Id: arn('secretsmanager', `secret:${n}`) } };
      case 'AWS::KMS::Key':
        return { ref: n, attrs: { Arn: arn('kms', `key/${n}`), KeyId: n } };
      case 'AWS::Lambda::Function':
        return { ref: n, attrs: { Arn: arn('lambda', `function:${n}`) } };
      case 'AWS::Lambda::Alias': {
        const fn = String(this.resolve(props.FunctionName));
        const fnArn = fn.startsWith('arn:') ? fn : arn('lambda', `function:${fn}`);
        return { ref: `${fnArn}:${String(props.Name)}`, attrs: { AliasArn: `${fnArn}:${String(props.Name)}` } };
      }
      case 'AWS::StepFunctions::StateMachine':
        return { ref: arn('states', `stateMachine:${n}`), attrs: { Arn: arn('states', `stateMachine:${n}`), Name: n } };
      case 'AWS::IAM::Role':
        return { ref: n, attrs: { Arn: arn('iam', `role/${n}`, false) } };
      case 'AWS::Logs::LogGroup':
        return { ref: n, attrs: { Arn: arn('logs', `log-group:${n}:*`) } };
      case 'AWS::SQS::Queue':
        return { ref: `https://sqs.${r}.amazonaws.com/${a}/${n}`, attrs: { Arn: arn('sqs', n), QueueName: n } };
      case 'AWS::CodeBuild::Project':
        return { ref: n, attrs: { Arn: arn('codebuild', `project/${n}`) } };
      case 'AWS::CloudWatch::Alarm':
        return { ref: n, attrs: { Arn: arn('cloudwatch', `alarm:${n}`) } };
      case 'AWS::Scheduler::ScheduleGroup':
        return { ref: n, attrs: { Arn: arn('scheduler', `schedule-group/${n}`) } };
      default:
        return { ref: n, attrs: {} };
    }
  }
}
