// STORE / UID STORE (FLAGS, +FLAGS, -FLAGS, .SILENT, keywords), COPY / UID COPY with COPYUID,
// MOVE / UID MOVE (untagged OK [COPYUID], EXPUNGE, tagged OK), [TRYCREATE] for a missing
// destination, and the read-only and sequence-number rules of those commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { append, fetches, fetchOne, flagsOf, login, logout, message, sha256, startLab, statusOf, type ImapClient } from './kit';

async function withFive(fn: (c: ImapClient) => Promise<void>): Promise<void> {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    for (let i = 1; i <= 5; i++) await append(c, 'INBOX', message(`m${i}`, `cuerpo ${i}\r\n`));
    await c.ok('SELECT INBOX');
    await fn(c);
    await logout(c);
  } finally {
    await srv.close();
  }
}

test('STORE: +FLAGS, -FLAGS, FLAGS replace, .SILENT, keywords, UID STORE reports UID, \\Recent cannot be stored', async () => {
  await withFive(async (c) => {
    const add = await c.ok('STORE 1:2 +FLAGS (\\Flagged \\Answered)');
    const fa = fetches(add);
    assert.deepEqual(fa.map((f) => f.seq), [1, 2]);
    assert.deepEqual(flagsOf(fa[0]!), ['\\Answered', '\\Flagged']);
    const rm = fetches(await c.ok('STORE 1 -FLAGS (\\Answered)'));
    assert.deepEqual(flagsOf(rm[0]!), ['\\Flagged']);
    const set = fetches(await c.ok('STORE 2 FLAGS ($Trabajo \\Seen)'));
    assert.deepEqual(flagsOf(set[0]!), ['$Trabajo', '\\Seen'], 'FLAGS replaces the whole set, keywords kept as given');
    const silent = await c.ok('STORE 3 +FLAGS.SILENT (\\Draft)');
    assert.deepEqual(silent.lines, [], '.SILENT sends no FETCH');
    const uid = await c.ok('UID STORE 4 +FLAGS (\\Deleted)');
    const fu = fetchOne(uid);
    assert.equal(fu.seq, 4);
    assert.equal(fu.items.get('UID'), 4, 'UID STORE includes the UID');
    // A flag list without parentheses is accepted too (RFC 9051 store-att-flags).
    await c.ok('STORE 5 +FLAGS \\Seen');
    // Adding what is there already still answers the flags (no change is fine).
    assert.deepEqual(flagsOf(fetchOne(await c.ok('STORE 5 +FLAGS (\\Seen)'))), ['\\Seen']);
    const all = fetches(await c.ok('FETCH 1:5 FLAGS'));
    assert.deepEqual(
      all.map((f) => flagsOf(f)),
      [['\\Flagged'], ['$Trabajo', '\\Seen'], ['\\Draft'], ['\\Deleted'], ['\\Seen']],
    );
    // The new keyword shows in FLAGS of the next SELECT (and in PERMANENTFLAGS with \*).
    const sel = await c.ok('SELECT INBOX');
    assert.ok(sel.lines.some((l) => /^\* FLAGS \(.*\$Trabajo/.test(l)));
    await c.bad('STORE 1 +FLAGS (\\Inventado)');
    await c.bad('STORE 1 SETFLAGS (\\Seen)');
    await c.bad('STORE 9 +FLAGS (\\Seen)');
    assert.deepEqual((await c.ok('UID STORE 99 +FLAGS (\\Seen)')).lines, [], 'UID STORE of a missing UID: OK, nothing');
    // Case of system flags is not significant; the server answers its canonical form.
    assert.deepEqual(flagsOf(fetchOne(await c.ok('STORE 3 +FLAGS (\\FLAGGED)'))), ['\\Draft', '\\Flagged']);
  });
});

test('COPY and UID COPY: COPYUID with the destination UIDVALIDITY and matching UID sets; flags and bytes copied; [TRYCREATE]', async () => {
  await withFive(async (c) => {
    await c.ok('STORE 2 +FLAGS.SILENT (\\Flagged $Etiqueta)');
    await c.ok('CREATE Archivo');
    const v = statusOf(await c.ok('STATUS Archivo (UIDVALIDITY UIDNEXT)'), 'Archivo');
    const r = await c.ok('COPY 2:3 Archivo', /^OK \[COPYUID \d+ \S+ \S+\]/);
    const m = /COPYUID (\d+) (\S+) (\S+)\]/.exec(r.status)!;
    assert.equal(Number(m[1]), v.UIDVALIDITY);
    assert.equal(m[2], '2:3');
    assert.equal(m[3], `${v.UIDNEXT}:${v.UIDNEXT! + 1}`);
    const u = await c.ok('UID COPY 5,1 Archivo', /^OK \[COPYUID /);
    const mu = /COPYUID \d+ (\S+) (\S+)\]/.exec(u.status)!;
    assert.equal(mu[1], '1,5');
    assert.equal(mu[2], `${v.UIDNEXT! + 2}:${v.UIDNEXT! + 3}`, 'destination UIDs in the order of the source UIDs');
    assert.deepEqual((await c.ok('STATUS INBOX (MESSAGES)')).lines.length, 1);
    assert.deepEqual(statusOf(await c.ok('STATUS INBOX (MESSAGES)'), 'INBOX'), { MESSAGES: 5 }, 'COPY leaves the source alone');
    const src = fetchOne(await c.ok('FETCH 2 BODY.PEEK[]')).items.get('BODY[]') as Buffer;
    await c.no('COPY 1 NoExiste', /^NO \[TRYCREATE\]/);
    assert.deepEqual((await c.ok('UID COPY 999 Archivo')).lines, [], 'UID COPY of no messages is OK');

    await c.ok('SELECT Archivo');
    const f = fetches(await c.ok('FETCH 1:* (UID FLAGS BODY.PEEK[])'));
    assert.equal(f.length, 4);
    assert.deepEqual(flagsOf(f[0]!), ['$Etiqueta', '\\Flagged'], 'flags are copied');
    assert.equal(sha256(f[0]!.items.get('BODY[]') as Buffer), sha256(src), 'bytes are copied');
    // COPY into the selected mailbox itself: the new message appears as EXISTS.
    const self = await c.ok('COPY 1 Archivo');
    assert.ok(self.lines.includes('* 5 EXISTS') || (await c.ok('NOOP')).lines.includes('* 5 EXISTS'), 'EXISTS for the copy into the selected mailbox');
  });
});

test('MOVE and UID MOVE: untagged OK [COPYUID] then EXPUNGE then tagged OK; read-only mailbox refuses', async () => {
  await withFive(async (c) => {
    const before = fetches(await c.ok('FETCH 2 BODY.PEEK[]'))[0]!.items.get('BODY[]') as Buffer;
    const trash = statusOf(await c.ok('STATUS Trash (UIDVALIDITY UIDNEXT)'), 'Trash');
    const r = await c.ok('MOVE 2:3 Trash');
    assert.match(r.lines[0] ?? '', new RegExp(`^\\* OK \\[COPYUID ${trash.UIDVALIDITY} 2:3 ${trash.UIDNEXT}:${trash.UIDNEXT! + 1}\\]`), JSON.stringify(r.lines));
    const exp = r.lines.slice(1);
    assert.ok(JSON.stringify(exp) === '["* 3 EXPUNGE","* 2 EXPUNGE"]' || JSON.stringify(exp) === '["* 2 EXPUNGE","* 2 EXPUNGE"]', `EXPUNGE numbering: ${JSON.stringify(exp)}`);
    assert.deepEqual(fetches(await c.ok('FETCH 1:* UID')).map((f) => f.items.get('UID')), [1, 4, 5]);

    const u = await c.ok('UID MOVE 5 Trash');
    assert.match(u.lines[0] ?? '', /^\* OK \[COPYUID \d+ 5 \d+\]/);
    assert.deepEqual(u.lines.slice(1), ['* 3 EXPUNGE']);
    assert.deepEqual(statusOf(await c.ok('STATUS Trash (MESSAGES)'), 'Trash'), { MESSAGES: 3 });
    await c.no('MOVE 1 NoExiste', /^NO \[TRYCREATE\]/);
    await c.no('MOVE 1 INBOX', /^NO\b/);

    await c.ok('EXAMINE Trash');
    await c.no('MOVE 1 INBOX', /^NO\b/);
    const moved = fetches(await c.ok('FETCH 1 BODY.PEEK[]'))[0]!.items.get('BODY[]') as Buffer;
    assert.equal(sha256(moved), sha256(before), 'MOVE keeps the bytes');
    // COPY is allowed from a read-only mailbox.
    await c.ok('COPY 1 INBOX', /^OK \[COPYUID /);
    await c.ok('SELECT INBOX');
    assert.deepEqual(statusOf(await c.ok('STATUS INBOX (MESSAGES)'), 'INBOX'), { MESSAGES: 3 });
  });
});
