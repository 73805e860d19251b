// tag APPEND mailbox [(flags)] ["date-time"] literal         (RFC 9051 §6.3.12, UIDPLUS, LITERAL+)
// tag OK [APPENDUID uidvalidity uid] APPEND completed
// A large literal went straight to a temp file (append-sink.ts); a small one is in memory. Either
// way the file is fsynced and renamed into the mailbox folder before its row is written, and the
// OK is sent only after that commit.
import { writeFile, rm } from 'node:fs/promises';
import { defineCommand, flagList, BadArguments } from '../command';
import type { Token } from '../protocol/tokens';
import { parseDateTime } from '../dates';
import { AppendSink } from '../append-sink';
import { analyzeBuffer, serializeAnalysis, type MessageAnalysis } from '../mime';
import { wireOf } from '../wire-cache';

function abort(t: Token | undefined): void {
  if (t?.type === 'stream') t.sink.abort();
}

export default defineCommand({
  names: ['APPEND'],
  states: ['authenticated', 'selected'],
  arity: [2, 4],
  async handle(ctx, args) {
    const message = args[args.length - 1]!;
    try {
      const name = ctx.mailboxName(args[0]);
      if (name === null) return abort(message);
      let flags: string[] = [];
      let date: Date | undefined;
      for (const a of args.slice(1, -1)) {
        if (a.type === 'list') flags = flagList(a);
        else if (a.type === 'string' && !a.literal) {
          date = parseDateTime(a.value);
          if (!date) throw new BadArguments('Invalid date-time, expected e.g. "25-Nov-2026 10:00:00 +0100"');
        } else throw new BadArguments('APPEND mailbox [(flags)] ["date-time"] {size}');
      }
      if (message.type !== 'stream' && message.type !== 'literal' && message.type !== 'string') throw new BadArguments('Message literal expected');
      const size = message.type === 'stream' ? message.size : message.bytes.length;
      if (size === 0) {
        abort(message);
        return ctx.no('Cannot append an empty message', { name: 'CANNOT' });
      }
      const box = ctx.findMailbox(name, true);
      if (!box) return abort(message);
      const { accountId, address } = ctx.user;
      const store = ctx.deps.mailboxes;
      if (size > store.room(accountId)) {
        abort(message);
        return ctx.no('Quota exceeded', { name: 'OVERQUOTA' });
      }
      const rel = ctx.deps.mailStore.newMessagePath(address, accountId);
      let analysis: MessageAnalysis | null = null;
      if (message.type === 'stream') {
        if (!(message.sink instanceof AppendSink)) throw new Error('unexpected literal sink');
        const done = await message.sink.done();
        analysis = done.analysis;
        await store.files.commitTmp(done.path, rel);
      } else {
        const bytes = message.bytes;
        analysis = await analyzeBuffer(bytes);
        const tmp = store.files.tmpPath();
        try {
          await writeFile(tmp, bytes, { flag: 'wx' });
          await store.files.fsyncFile(tmp);
          await store.files.commitTmp(tmp, rel);
        } catch (e) {
          await rm(tmp, { force: true });
          throw e;
        }
      }
      let uid: number;
      try {
        uid = store.appendIndexed(accountId, box.id, rel, size, flags, date ?? new Date(), analysis && serializeAnalysis(analysis), analysis && wireOf(analysis));
      } catch (e) {
        await store.files.remove(rel);
        throw e;
      }
      ctx.log.info({ event: 'imap.append', mailbox: name, uid, size }, 'message appended');
      ctx.ok('APPEND completed', { name: 'APPENDUID', attributes: [box.uidvalidity, uid] });
    } catch (e) {
      abort(message);
      throw e;
    }
  },
});
