import type { AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';

/** An AWS SDK v3 command class (`new GetObjectCommand(input)`), as the key of a dispatch table. */
// biome-ignore lint/suspicious/noExplicitAny: a command class takes any constructor arguments
export type CommandClass<C> = abstract new (...args: any[]) => C;

/** What a stand-in does with one kind of command: the answer (the SDK's output shape), or it throws the SDK's error. */
export type CommandHandler<S, C> = (standIn: S, command: C) => unknown;

/**
 * The commands a local stand-in answers, each by its own handler, looked up by the command's class
 * (the class itself, not a subclass). Built once per stand-in class (a `static` field), so every
 * instance dispatches through the same table:
 * ```ts
 * private static readonly commands = new CommandTable<LocalS3>('LocalS3')
 *   .on(PutObjectCommand, (s3, c) => s3.put(c.input))
 *   .on(GetObjectCommand, (s3, c) => s3.get(c.input));
 * send<I extends object, O extends AwsOutput>(command: AwsCommand<I, O>): Promise<O> {
 *   return LocalS3.commands.dispatch(this, command);
 * }
 * ```
 * which makes the stand-in an {@link AwsClient} (lambdas/adapters/aws-client.ts), as the adapters take it.
 */
export class CommandTable<S> {
  private readonly handlers = new Map<CommandClass<unknown>, CommandHandler<S, never>>();

  /** @param service - the stand-in's name, as the refusal of an unsupported command says it */
  constructor(private readonly service: string) {}

  /** Adds the handler of commands of class `type`. @throws when `type` has one already */
  on<C>(type: CommandClass<C>, handler: CommandHandler<S, C>): this {
    if (this.handlers.has(type)) throw new Error(`${this.service} handles ${type.name} twice`);
    this.handlers.set(type, handler as CommandHandler<S, never>);
    return this;
  }

  /** The command classes the table answers (what the stand-in supports). */
  get supported(): readonly CommandClass<unknown>[] {
    return [...this.handlers.keys()];
  }

  /**
   * Answers `command` with its handler: an SDK command gets its output as the SDK types it. This is
   * the one place a stand-in's answer is taken as that type: each handler answers with the output
   * shape of its command's class, which the compiler cannot follow through a lookup by class at run time.
   * @throws Error `<service> does not support <CommandName>` when no handler takes its class
   */
  dispatch<Input extends object, Output extends AwsOutput>(standIn: S, command: AwsCommand<Input, Output>): Promise<Output>;
  /** Answers any other object with the handler of its class (a command class of a test). */
  dispatch(standIn: S, command: object): Promise<unknown>;
  async dispatch(standIn: S, command: object): Promise<unknown> {
    const type = command.constructor as CommandClass<unknown>;
    const handler = this.handlers.get(type);
    if (!handler) throw new Error(`${this.service} does not support ${type.name}`);
    return handler(standIn, command as never);
  }
}
