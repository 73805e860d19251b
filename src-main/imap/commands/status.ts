// tag STATUS mailbox (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT)   (RFC 9051 §6.3.11)
// * STATUS INBOX (MESSAGES 3 UNSEEN 1)
import { defineCommand, BadArguments } from '../command';
import { atom, type ResponseValue } from '../protocol/compiler';
import type { Token } from '../protocol/tokens';
import type { MailboxRow, MailboxStore } from '../../store/mailboxes';

const ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE']);

export function statusItems(t: Token | undefined): string[] {
  if (t?.type !== 'list' || t.items.length === 0) throw new BadArguments('STATUS items expected, e.g. (MESSAGES UNSEEN)');
  return t.items.map((i) => {
    const name = i.type === 'atom' ? i.value.toUpperCase() : '';
    if (!ITEMS.has(name)) throw new BadArguments(`Unknown STATUS item ${i.type === 'atom' ? i.value.slice(0, 30) : ''}`);
    return name;
  });
}

export function statusAttributes(store: MailboxStore, box: MailboxRow, items: readonly string[]): ResponseValue[] {
  const st = store.status(box);
  const out: ResponseValue[] = [];
  for (const item of items) {
    const v = item === 'MESSAGES' ? st.messages : item === 'RECENT' ? 0 : item === 'UIDNEXT' ? st.uidnext : item === 'UIDVALIDITY' ? st.uidvalidity : item === 'UNSEEN' ? st.unseen : item === 'DELETED' ? st.deleted : st.size;
    out.push(atom(item), v);
  }
  return out;
}

export default defineCommand({
  names: ['STATUS'],
  states: ['authenticated', 'selected'],
  arity: [2, 2],
  handle(ctx, args) {
    const items = statusItems(args[1]);
    const name = ctx.mailboxName(args[0]);
    if (name === null) return;
    const box = ctx.findMailbox(name);
    if (!box) return;
    ctx.untagged({ command: 'STATUS', attributes: [ctx.wireName(box.name), statusAttributes(ctx.deps.mailboxes, box, items)] });
    ctx.ok('STATUS completed');
  },
});
