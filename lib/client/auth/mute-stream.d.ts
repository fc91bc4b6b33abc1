/** npm `mute-stream` 3 ships no types: the part of it the terminal prompter uses. */
declare module 'mute-stream' {
  import { Stream } from 'node:stream';

  /** A stream to pipe into an output, passing what is written to it except while muted. */
  export default class MuteStream extends Stream implements NodeJS.WritableStream {
    constructor(options?: { replace?: string; prompt?: string });
    readonly writable: boolean;
    muted: boolean;
    mute(): void;
    unmute(): void;
    write(chunk: string | Uint8Array): boolean;
    end(): this;
  }
}
