// Several sessions on one mailbox, on raw sockets: IDLE ("+ idling" … DONE) hearing SMTP
// deliveries, flag changes and expunges at once; two sessions seeing each other's flag changes
// and expunges on NOOP; and the RFC 9051 §7.5.1 rule that no EXPUNGE goes out during FETCH,
// STORE or SEARCH with sequence numbers (it waits for NOOP), while the numbering stays that of the
// session's view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { append, connectImap, deliver, fetches, flagsOf, login, logout, message, pop3Login, startLab, untilUntagged, waitForLog } from './kit';


test('IDLE: EXISTS when SMTP delivers, FETCH FLAGS and EXPUNGE from another session, DONE ends it with OK', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', message('uno', 'uno\r\n'), message('dos', 'dos\r\n'));
    const a = await login(srv.imapPort, undefined, 'INBOX');
    a.send('I1 IDLE');
    assert.equal(await a.line(), '+ idling');

    await deliver(srv, 'cuenta1@aula.test', message('tres', 'tres\r\n'));
    assert.deepEqual(await untilUntagged(a, /^\* 3 EXISTS$/), ['* 3 EXISTS']);

    const b = await login(srv.imapPort, undefined, 'INBOX');
    await b.ok('STORE 2 +FLAGS (\\Flagged)');
    const f = await untilUntagged(a, /^\* 2 FETCH /);
    assert.match(f[f.length - 1]!, /^\* 2 FETCH \(.*FLAGS \(\\Flagged\)/);
    await b.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.ok('EXPUNGE');
    const e = await untilUntagged(a, /^\* 1 EXPUNGE$/);
    assert.ok(e.every((l) => /^\* 1 (FETCH|EXPUNGE)/.test(l)), JSON.stringify(e));

    a.send('DONE');
    const done = await a.collect('I1');
    assert.match(done.status, /^OK\b/);
    assert.deepEqual(done.lines, []);
    assert.deepEqual(fetches(await a.ok('FETCH 1:* UID')).map((x) => x.items.get('UID')), [2, 3], 'the view follows what IDLE announced');
    // IDLE again, and a bad terminator.
    a.send('I2 IDLE');
    assert.match(await a.line(), /^\+ /);
    a.send('NOTDONE');
    assert.match((await a.collect('I2')).status, /^BAD\b/);
    await a.ok('NOOP');
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});

test('IDLE in the authenticated state is allowed and DONE works; IDLE before logon is refused', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    a.send('I1 IDLE');
    assert.match(await a.line(), /^\+ /);
    a.send('DONE');
    assert.match((await a.collect('I1')).status, /^OK\b/);
    await logout(a);
    const d = await connectImap(srv.imapPort);
    d.send('I9 IDLE');
    assert.match(await d.line(), /^I9 BAD\b/, 'IDLE needs authentication');
    d.destroy();
  } finally {
    await srv.close();
  }
});

test('two sessions: flag changes and expunges of one reach the other on NOOP, with the right numbers', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    for (let i = 1; i <= 4; i++) await append(a, 'INBOX', message(`m${i}`, `${i}\r\n`));
    await a.ok('SELECT INBOX');
    const b = await login(srv.imapPort, undefined, 'INBOX');

    await b.ok('STORE 3 +FLAGS (\\Seen \\Answered)');
    const n1 = await a.ok('NOOP');
    const f = fetches(n1);
    assert.equal(f.length, 1, JSON.stringify(n1.lines));
    assert.equal(f[0]!.seq, 3);
    assert.deepEqual(flagsOf(f[0]!), ['\\Answered', '\\Seen']);

    await a.ok('STORE 4 +FLAGS.SILENT (\\Deleted)');
    await a.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
    assert.deepEqual(fetches(await b.ok('NOOP')).map((x) => [x.seq, flagsOf(x)]), [
      [4, ['\\Deleted']],
      [2, ['\\Deleted']],
    ]);
    await a.ok('EXPUNGE');
    const n2 = await b.ok('NOOP');
    const nums = n2.lines.filter((l) => / EXPUNGE$/.test(l));
    assert.ok(JSON.stringify(nums) === '["* 4 EXPUNGE","* 2 EXPUNGE"]' || JSON.stringify(nums) === '["* 2 EXPUNGE","* 3 EXPUNGE"]', JSON.stringify(n2.lines));
    assert.deepEqual(fetches(await b.ok('FETCH 1:* UID')).map((x) => x.items.get('UID')), [1, 3]);

    // A new message appended by B shows in A as EXISTS; a message B appends to another mailbox does not.
    await append(b, 'INBOX', message('nuevo', 'nuevo\r\n'));
    await append(b, 'Trash', message('papelera', 'x\r\n'));
    const n3 = await a.ok('NOOP');
    assert.deepEqual(n3.lines, ['* 3 EXISTS']);
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});

test('RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE or SEARCH; it comes on NOOP; UID FETCH may carry it', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    for (let i = 1; i <= 5; i++) await append(a, 'INBOX', message(`m${i}`, `cuerpo ${i}\r\n`));
    await a.ok('SELECT INBOX');
    const b = await login(srv.imapPort, undefined, 'INBOX');
    await b.ok('STORE 2 +FLAGS.SILENT (\\Deleted)');
    await b.ok('EXPUNGE');

    // A still believes in 5 messages: FETCH 1:* answers them without any EXPUNGE.
    const f = await a.cmd('FETCH 1:* (UID FLAGS)');
    assert.ok(!f.lines.some((l) => / EXPUNGE$/.test(l)), `no EXPUNGE during FETCH: ${JSON.stringify(f.lines)}`);
    assert.match(f.status, /^(OK|NO)\b/, 'OK, or NO for the message that is gone');
    const got = fetches(f);
    for (const x of got) assert.equal(x.items.get('UID'), [1, 2, 3, 4, 5][x.seq - 1], `old numbering kept: ${x.text}`);
    assert.ok(got.some((x) => x.seq === 5), 'message 5 still has number 5');

    const s = await a.ok('STORE 3:5 +FLAGS (\\Flagged)');
    assert.ok(!s.lines.some((l) => / EXPUNGE$/.test(l)), `no EXPUNGE during STORE: ${JSON.stringify(s.lines)}`);
    assert.deepEqual(fetches(s).map((x) => [x.seq, x.items.has('FLAGS')]), [
      [3, true],
      [4, true],
      [5, true],
    ]);
    const q = await a.ok('SEARCH FLAGGED');
    assert.ok(!q.lines.some((l) => / EXPUNGE$/.test(l)), `no EXPUNGE during SEARCH: ${JSON.stringify(q.lines)}`);
    assert.ok(q.lines.includes('* SEARCH 3 4 5'), JSON.stringify(q.lines));

    const n = await a.ok('NOOP');
    assert.ok(n.lines.includes('* 2 EXPUNGE'), `EXPUNGE on NOOP: ${JSON.stringify(n.lines)}`);
    assert.deepEqual(fetches(await a.ok('FETCH 1:* UID')).map((x) => x.items.get('UID')), [1, 3, 4, 5]);

    // Again, and this time a UID FETCH: the EXPUNGE may come with it (the client can renumber).
    await b.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.ok('EXPUNGE');
    const u = await a.ok('UID FETCH 1:* (FLAGS)');
    const rest = u.lines.some((l) => l === '* 1 EXPUNGE') ? [] : (await a.ok('NOOP')).lines;
    assert.ok(u.lines.includes('* 1 EXPUNGE') || rest.includes('* 1 EXPUNGE'), JSON.stringify([u.lines, rest]));
    assert.deepEqual(fetches(await a.ok('FETCH 1:* UID')).map((x) => x.items.get('UID')), [3, 4, 5]);
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});

test('a pipelined FETCH, STORE, SEARCH burst while another session expunges never sees EXPUNGE before NOOP', async () => {
  const srv = await startLab();
  try {
    const a = await login(srv.imapPort);
    for (let i = 1; i <= 6; i++) await append(a, 'INBOX', message(`m${i}`, `${i}\r\n`));
    await a.ok('SELECT INBOX');
    const b = await login(srv.imapPort, undefined, 'INBOX');
    await b.ok('STORE 1:3 +FLAGS.SILENT (\\Deleted)');
    // Expunge and, at the same time, a burst of sequence-number commands on A.
    const expunge = b.ok('EXPUNGE');
    a.write('P1 FETCH 1:* FLAGS\r\nP2 STORE 6 +FLAGS (\\Seen)\r\nP3 SEARCH ALL\r\nP4 FETCH 6 (UID)\r\n');
    const lines: string[] = [];
    for (const t of ['P1', 'P2', 'P3', 'P4']) lines.push(...(await a.collect(t)).lines);
    await expunge;
    assert.ok(!lines.some((l) => / EXPUNGE$/.test(l)), JSON.stringify(lines));
    const p4 = lines.filter((l) => /^\* 6 FETCH \(UID 6\)$/.test(l));
    assert.equal(p4.length, 1, 'message 6 is still number 6 for A');
    const n = await a.ok('NOOP');
    assert.equal(n.lines.filter((l) => / EXPUNGE$/.test(l)).length, 3, `the three EXPUNGE on NOOP: ${JSON.stringify(n.lines)}`);
    assert.deepEqual(fetches(await a.ok('FETCH 1:* UID')).map((x) => x.items.get('UID')), [4, 5, 6]);
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});

test('another session expunges while a long FETCH is still being sent: the FETCH ends with a tagged response and the connection stays up', async () => {
  const srv = await startLab({ settings: { 'logging.debug': true } });
  try {
    const a = await login(srv.imapPort);
    const body = 'q'.repeat(1000 * 1024) + '\r\n';
    const n = 24; // ~24 MB: more than the socket buffers hold while A does not read
    for (let i = 1; i <= n; i++) await append(a, 'INBOX', message(`grande${i}`, body));
    await a.ok('SELECT INBOX');
    const b = await login(srv.imapPort, undefined, 'INBOX');
    // A stops reading, asks for everything, and the server starts answering (and blocks).
    a.socket.pause();
    const started = waitForLog(srv, (e) => e.event === 'imap.command' && e.cmd === 'FETCH');
    a.send(`F1 FETCH 1:${n} (UID BODY.PEEK[])`);
    await started;
    await b.ok(`STORE 1:${n} +FLAGS.SILENT (\\Deleted)`);
    await b.ok('EXPUNGE');
    a.socket.resume();
    const r = await a.collect('F1', 60_000);
    assert.match(r.status, /^(OK|NO)\b/, r.tagged);
    assert.ok(!r.lines.some((l) => / EXPUNGE$/.test(l)), 'no EXPUNGE during FETCH');
    for (const f of fetches(r)) {
      // Unsolicited FETCH (UID FLAGS) for B's \Deleted may come too (RFC 9051 §7.5.2): not data.
      if (!f.items.has('BODY[]')) continue;
      const data = f.items.get('BODY[]');
      assert.ok(Buffer.isBuffer(data) ? data.toString('latin1').endsWith(body) : data === null || data === '', `message ${f.seq}: all of it or nothing`);
    }
    const noop = await a.ok('NOOP');
    assert.equal(noop.lines.filter((l) => / EXPUNGE$/.test(l)).length, n);
    await logout(a);
    await logout(b);
  } finally {
    await srv.close();
  }
});

test('POP3 DELE + QUIT reaches a selected IMAP session as EXPUNGE on NOOP; a server shutdown says BYE to IMAP sessions', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', message('uno', 'a\r\n'), message('dos', 'b\r\n'), message('tres', 'c\r\n'));
    const a = await login(srv.imapPort, undefined, 'INBOX');
    const p = await pop3Login(srv.pop3Port, 'cuenta1@aula.test', 'secreto1');
    await p.ok('DELE 2');
    await p.ok('QUIT');
    assert.deepEqual((await a.ok('NOOP')).lines, ['* 2 EXPUNGE']);
    assert.deepEqual(fetches(await a.ok('FETCH 1:* UID')).map((x) => x.items.get('UID')), [1, 3]);
    const closing = srv.host.close();
    assert.match(await a.line(), /^\* BYE /);
    assert.ok(await a.closedByServer());
    await closing;
  } finally {
    // The host may be closed already: this only removes the data folder then.
    await srv.close().catch(() => undefined);
  }
});
