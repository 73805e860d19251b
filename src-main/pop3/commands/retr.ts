// RETR msg (RFC 1939 §5): the whole message, streamed from its file, byte-stuffed; marks \Seen.
import { createReadStream } from 'node:fs';
import { defineCommand } from '../command';

export default defineCommand({
  name: 'RETR',
  states: ['transaction'],
  async handle(ctx, args) {
    const s = ctx.state;
    if (s.kind !== 'transaction') return;
    const m = ctx.message(args[0]);
    if (!m) return;
    // +OK 1234 octets
    const whole = await ctx.stream(`${m.msg.size} octets`, createReadStream(ctx.deps.maildrop.files.abs(m.msg.file), { highWaterMark: 64 * 1024 }));
    // Read only when the client got all of it: a download cut short leaves the message unread.
    if (whole) ctx.deps.maildrop.markSeen(s.drop.mailboxId, m.msg.id);
  },
});
