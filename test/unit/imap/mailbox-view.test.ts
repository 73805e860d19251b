// The selected mailbox's view: sequence numbers ↔ UIDs, and the order and timing of the untagged
// EXISTS / FETCH / EXPUNGE made from other sessions' changes (RFC 9051 §7.5.1: no EXPUNGE while a
// FETCH, STORE or SEARCH by sequence number runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MailboxEvents } from '../../../src-main/store/mailbox-events';
import { MailboxView, type Untagged } from '../../../src-main/imap/mailbox-view';
import { compileToBuffer } from '../../../src-main/imap/protocol/compiler';
import type { MailboxRow } from '../../../src-main/store/mailboxes';

const BOX: MailboxRow = { id: 7, accountId: 1, name: 'INBOX', specialUse: null, uidvalidity: 1, uidnext: 10, highestmodseq: 1, subscribed: true, keywords: [] };

function wire(rs: Untagged[]): string[] {
  return rs.map((r) => compileToBuffer({ tag: '*', ...r }).toString().trimEnd());
}

function setup(uids: number[]) {
  const events = new MailboxEvents();
  const me = {};
  let pings = 0;
  const view = new MailboxView(BOX, false, uids, events, me, () => pings++);
  return { events, me, view, pings: () => pings };
}

test('sequence numbers map to UIDs and back', () => {
  const { view } = setup([3, 5, 9]);
  assert.equal(view.exists, 3);
  assert.equal(view.uidAt(2), 5);
  assert.equal(view.seqOf(9), 3);
  assert.equal(view.seqOf(4), 0);
  assert.equal(view.maxUid, 9);
});

test('changes by others are queued until a flush, then EXPUNGE (highest first), FETCH and one EXISTS', () => {
  const { events, view, pings } = setup([1, 2, 3, 4]);
  events.emit({ kind: 'flags', mailboxId: 7, uid: 4, flags: '\\Seen', modseq: 5 });
  events.emit({ kind: 'expunged', mailboxId: 7, uids: [2, 3] });
  events.emit({ kind: 'added', mailboxId: 7, uid: 10 });
  events.emit({ kind: 'added', mailboxId: 7, uid: 11 });
  events.emit({ kind: 'added', mailboxId: 8, uid: 99 }); // another mailbox: not ours
  assert.equal(pings(), 4);
  assert.equal(view.exists, 4, 'nothing applied before the flush');
  assert.deepEqual(wire(view.flush(true)), ['* 4 FETCH (UID 4 FLAGS (\\Seen))', '* 3 EXPUNGE', '* 2 EXPUNGE', '* 4 EXISTS']);
  assert.deepEqual([...view.allUids()], [1, 4, 10, 11]);
  assert.deepEqual(view.flush(true), []);
});

test('during FETCH/STORE/SEARCH expunges wait; new mail and flags do not', () => {
  const { events, view } = setup([1, 2, 3]);
  events.emit({ kind: 'expunged', mailboxId: 7, uids: [1] });
  events.emit({ kind: 'added', mailboxId: 7, uid: 4 });
  events.emit({ kind: 'flags', mailboxId: 7, uid: 1, flags: '\\Deleted', modseq: 3 });
  assert.deepEqual(wire(view.flush(false)), ['* 1 FETCH (UID 1 FLAGS (\\Deleted))', '* 4 EXISTS']);
  assert.equal(view.uidAt(1), 1, 'the expunged message keeps its number until the client is told');
  assert.deepEqual(wire(view.flush(true)), ['* 1 EXPUNGE']);
  assert.deepEqual([...view.allUids()], [2, 3, 4]);
});

test("the session's own changes are not echoed back; its expunges are reported by the command", () => {
  const { events, me, view } = setup([1, 2, 3]);
  events.emit({ kind: 'flags', mailboxId: 7, uid: 2, flags: '\\Seen', modseq: 2, origin: me });
  events.emit({ kind: 'expunged', mailboxId: 7, uids: [2], origin: me });
  assert.deepEqual(view.flush(true), []);
  assert.deepEqual(wire(view.expungeOwn([1, 3])), ['* 3 EXPUNGE', '* 1 EXPUNGE']);
  assert.deepEqual([...view.allUids()], [2]);
});

test('a message added and expunged before the session heard of it never appears', () => {
  const { events, view } = setup([1]);
  events.emit({ kind: 'added', mailboxId: 7, uid: 2 });
  assert.deepEqual(view.expungeOwn([2]), []);
  assert.deepEqual(view.flush(true), []);
  assert.equal(view.exists, 1);
});

test('a deleted or renamed mailbox is flagged gone; close() stops listening', () => {
  const { events, view } = setup([1]);
  events.emit({ kind: 'gone', mailboxId: 7 });
  view.flush(true);
  assert.equal(view.gone, true);
  view.close();
  assert.equal(events.watched(7), false);
});

test('a message added and expunged by others between two flushes is announced (EXISTS) before its EXPUNGE', () => {
  const { events, view } = setup([1, 2, 3, 4]);
  events.emit({ kind: 'added', mailboxId: 7, uid: 5 });
  events.emit({ kind: 'added', mailboxId: 7, uid: 6 });
  events.emit({ kind: 'expunged', mailboxId: 7, uids: [5] });
  assert.deepEqual(wire(view.flush(true)), ['* 6 EXISTS', '* 5 EXPUNGE']);
  assert.deepEqual([...view.allUids()], [1, 2, 3, 4, 6]);
});

test('flag changes go out once per message, with the flags as they are now', () => {
  const events = new MailboxEvents();
  const now = new Map([[2, '\\Seen \\Flagged']]);
  const view = new MailboxView(BOX, false, [1, 2], events, {}, () => undefined, (uid) => now.get(uid));
  events.emit({ kind: 'flags', mailboxId: 7, uid: 2, flags: '\\Flagged', modseq: 3 });
  events.emit({ kind: 'flags', mailboxId: 7, uid: 2, flags: '\\Seen \\Flagged', modseq: 4 });
  events.emit({ kind: 'flags', mailboxId: 7, uid: 1, flags: '\\Seen', modseq: 5 }); // gone meanwhile
  assert.deepEqual(wire(view.flush(true)), ['* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged))']);
  // Told by the session itself (STORE): what was queued before is dropped.
  events.emit({ kind: 'flags', mailboxId: 7, uid: 2, flags: '\\Flagged', modseq: 6 });
  view.dropFlagUpdates([2]);
  assert.deepEqual(view.flush(true), []);
});
