// TOP msg n (RFC 1939 §7): the header, the blank line, and the first n lines of the body.
// Does not mark \Seen. Streams until the n-th body line, then stops reading the file.
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { defineCommand } from '../command';

/** Passes the header and `lines` body lines, then ends. */
export class TopFilter extends Transform {
  private inBody = false;
  private bodyLines = 0;
  /** Whether the current line has a character other than CR (an empty line ends the header). */
  private lineHasText = false;
  private done = false;

  constructor(private readonly lines: number) {
    super();
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (this.done) return cb();
    let i = 0;
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c !== 0x0a) {
        if (c !== 0x0d) this.lineHasText = true;
        continue;
      }
      if (!this.inBody) {
        if (!this.lineHasText) {
          this.inBody = true;
          if (this.lines === 0) {
            i++;
            this.finish(chunk.subarray(0, i));
            return cb();
          }
        }
      } else if (++this.bodyLines >= this.lines) {
        i++;
        this.finish(chunk.subarray(0, i));
        return cb();
      }
      this.lineHasText = false;
    }
    cb(null, chunk);
  }

  private finish(last: Buffer): void {
    this.done = true;
    this.push(last);
    this.push(null);
  }
}

export default defineCommand({
  name: 'TOP',
  states: ['transaction'],
  async handle(ctx, args) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    if (args.length !== 2 || !/^\d{1,9}$/.test(args[1]!)) return ctx.err('usage: TOP msg n');
    const m = ctx.message(args[0]);
    if (!m) return;
    const file = createReadStream(ctx.deps.maildrop.files.abs(m.msg.file), { highWaterMark: 64 * 1024 });
    const filter = new TopFilter(Number(args[1]));
    filter.on('end', () => file.destroy());
    // pipe() does not forward errors: a file that cannot be read fails the command.
    file.once('error', (e) => filter.destroy(e));
    await ctx.stream('top of message follows', file.pipe(filter));
  },
});
