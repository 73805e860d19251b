// The not-authenticated and authenticated states on a raw socket: greeting and CAPABILITY, NOOP,
// LOGOUT, STARTTLS (node:tls over the same socket), implicit TLS on 993, LOGIN, AUTHENTICATE PLAIN
// (SASL-IR and continuation) and LOGIN, LOGINDISABLED / [PRIVACYREQUIRED] from the Internet range,
// ENABLE, ID, NAMESPACE, GETQUOTA/GETQUOTAROOT, and the IMAP session of the course notes (§12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountId, b64, connectImap, deliver, enableImaps, fetches, fetchOne, fromInternet, login, logout, message, startLab, USER1 } from './kit';

const CAPS = ['IMAP4rev1', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UIDPLUS', 'MOVE', 'SPECIAL-USE', 'LIST-EXTENDED', 'LIST-STATUS', 'CHILDREN', 'UNSELECT', 'QUOTA'];

function capsOf(line: string): string[] {
  const m = /CAPABILITY ([^\]]*)/.exec(line);
  assert.ok(m, `capability list in ${line}`);
  return m[1]!.trim().split(/\s+/);
}

test('greeting, CAPABILITY, NOOP and LOGOUT before and after logon', async () => {
  const srv = await startLab();
  try {
    const c = await connectImap(srv.imapPort);
    assert.match(c.greeting, /^\* OK \[CAPABILITY [^\]]+\] \S/);
    const greetCaps = capsOf(c.greeting);
    for (const cap of [...CAPS, 'STARTTLS', 'AUTH=PLAIN', 'AUTH=LOGIN']) assert.ok(greetCaps.includes(cap), `greeting lists ${cap}: ${c.greeting}`);
    assert.ok(!greetCaps.includes('LOGINDISABLED'), 'plaintext logon allowed from "My computer"');

    const r = await c.ok('CAPABILITY', /^OK\b/);
    assert.equal(r.lines.length, 1, 'one untagged CAPABILITY');
    assert.deepEqual(capsOf(r.lines[0]!).sort(), [...greetCaps].sort(), 'CAPABILITY agrees with the greeting');
    assert.match(r.lines[0]!, /^\* CAPABILITY IMAP4rev1 /, 'IMAP4rev1 first');
    const n = await c.ok('NOOP');
    assert.deepEqual(n.lines, []);
    // Lower-case commands and tags of any atom chars are accepted.
    c.send('x.1 noop');
    assert.match(await c.line(), /^x\.1 OK\b/);

    const l = await c.ok(`LOGIN ${USER1.user} ${USER1.pass}`);
    // RFC 9051 §6.2.3: capabilities may change after logon; the tagged OK carries them.
    const after = capsOf(l.status);
    assert.ok(!after.includes('AUTH=PLAIN') && !after.includes('STARTTLS') && !after.includes('LOGINDISABLED'), `no logon capabilities after LOGIN: ${l.status}`);
    for (const cap of CAPS) assert.ok(after.includes(cap), `${cap} after logon`);
    await c.ok('NOOP');
    await c.bad(`LOGIN ${USER1.user} ${USER1.pass}`);
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('STARTTLS: OK in clear, handshake on the same socket, capabilities refreshed, LOGIN over TLS, no second STARTTLS', async () => {
  const srv = await startLab();
  try {
    const c = await connectImap(srv.imapPort);
    await c.ok('STARTTLS', /^OK\b/);
    const tls = await c.startTls();
    assert.ok(tls.encrypted);
    const caps = capsOf((await c.ok('CAPABILITY')).lines[0]!);
    assert.ok(!caps.includes('STARTTLS'), `no STARTTLS after TLS: ${caps.join(' ')}`);
    assert.ok(caps.includes('AUTH=PLAIN'));
    await c.bad('STARTTLS');
    await c.ok(`LOGIN ${USER1.user} ${USER1.pass}`);
    await c.ok('SELECT INBOX');
    await logout(c);

    // A command pipelined behind STARTTLS (before the handshake) must not be run (RFC 9051 §6.2.1).
    const d = await connectImap(srv.imapPort);
    d.write(`T1 STARTTLS\r\nT2 LOGIN ${USER1.user} ${USER1.pass}\r\n`);
    assert.match(await d.line(), /^T1 OK\b/);
    await d.startTls();
    const r = await d.cmd('NOOP');
    assert.deepEqual(r.lines, [], `nothing from the injected command: ${JSON.stringify(r.lines)}`);
    await d.bad('SELECT INBOX', /auth/i);
    d.destroy();

    // 993: implicit TLS.
    const port = await enableImaps(srv);
    const e = await connectImap(port, { tls: true });
    assert.ok(!capsOf(e.greeting).includes('STARTTLS'), 'no STARTTLS on 993');
    assert.ok(capsOf(e.greeting).includes('AUTH=PLAIN'));
    await e.ok(`LOGIN ${USER1.user} ${USER1.pass}`);
    await e.ok('EXAMINE INBOX', /^OK \[READ-ONLY\]/);
    await logout(e);
  } finally {
    await srv.close();
  }
});

test('LOGIN: quoted and literal arguments, wrong password is NO [AUTHENTICATIONFAILED], commands before logon are refused', async () => {
  const srv = await startLab();
  try {
    const c = await connectImap(srv.imapPort);
    await c.bad('SELECT INBOX');
    await c.bad('LIST "" "*"');
    await c.no(`LOGIN ${USER1.user} malo`, /^NO \[AUTHENTICATIONFAILED\]/);
    // A password with spaces and a quote, given as a synchronizing literal.
    await srv.call('accounts', 'add', { address: 'raro@aula.test', password: 'con "comillas" y espacios' });
    const pw = Buffer.from('con "comillas" y espacios');
    c.send(`L1 LOGIN "raro@aula.test" {${pw.length}}`);
    assert.match(await c.line(), /^\+ /, 'continuation for the synchronizing literal');
    c.write(Buffer.concat([pw, Buffer.from('\r\n')]));
    const r = await c.collect('L1');
    assert.match(r.status, /^OK\b/, r.tagged);
    await logout(c);

    // The bare local part gets the default domain, as in POP3.
    const d = await connectImap(srv.imapPort);
    await d.ok('login cuenta2 secreto2');
    await logout(d);
  } finally {
    await srv.close();
  }
});

test('AUTHENTICATE PLAIN with SASL-IR and with a continuation, AUTHENTICATE LOGIN, cancel with "*"', async () => {
  const srv = await startLab();
  try {
    const a = await connectImap(srv.imapPort);
    await a.ok(`AUTHENTICATE PLAIN ${b64('\0cuenta1@aula.test\0secreto1')}`, /^OK\b/);
    await a.ok('SELECT INBOX');
    await logout(a);

    const b = await connectImap(srv.imapPort);
    b.send('P1 AUTHENTICATE PLAIN');
    assert.match(await b.line(), /^\+ ?$/, 'empty challenge');
    b.send(b64('cuenta2@aula.test\0cuenta2@aula.test\0secreto2'));
    assert.match(await b.line(), /^P1 OK\b/);
    await logout(b);

    const c = await connectImap(srv.imapPort);
    c.send('G1 AUTHENTICATE LOGIN');
    const u = await c.line();
    assert.match(u, /^\+ /);
    assert.match(Buffer.from(u.slice(2), 'base64').toString(), /user/i);
    c.send(b64('cuenta1@aula.test'));
    const p = await c.line();
    assert.match(Buffer.from(p.slice(2), 'base64').toString(), /pass/i);
    c.send(b64('secreto1'));
    assert.match(await c.line(), /^G1 OK\b/);
    await logout(c);

    const d = await connectImap(srv.imapPort);
    d.send('X1 AUTHENTICATE PLAIN');
    assert.match(await d.line(), /^\+/);
    d.send('*');
    assert.match(await d.line(), /^X1 BAD\b/, 'RFC 9051 §6.2.2: "*" cancels with BAD');
    await d.no('AUTHENTICATE CRAM-MD5');
    // Still usable.
    await d.ok(`AUTHENTICATE PLAIN ${b64('\0cuenta1@aula.test\0secreto1')}`);
    await logout(d);
  } finally {
    await srv.close();
  }
});

test('from the Internet range: LOGINDISABLED, LOGIN/AUTHENTICATE get NO [PRIVACYREQUIRED] until STARTTLS, nobody is banned', async () => {
  const srv = await startLab();
  try {
    await fromInternet(srv);
    const c = await connectImap(srv.imapPort);
    const caps = capsOf(c.greeting);
    assert.ok(caps.includes('LOGINDISABLED') && caps.includes('STARTTLS'), c.greeting);
    assert.ok(!caps.some((x) => x.startsWith('AUTH=')), `no AUTH= before TLS: ${c.greeting}`);
    for (let i = 0; i < 4; i++) await c.no(`LOGIN ${USER1.user} ${USER1.pass}`, /^NO \[PRIVACYREQUIRED\]/);
    await c.no(`AUTHENTICATE PLAIN ${b64('\0cuenta1@aula.test\0secreto1')}`, /^NO \[PRIVACYREQUIRED\]/);
    await c.ok('STARTTLS');
    await c.startTls();
    const tlsCaps = capsOf((await c.ok('CAPABILITY')).lines[0]!);
    assert.ok(tlsCaps.includes('AUTH=PLAIN') && !tlsCaps.includes('LOGINDISABLED'), tlsCaps.join(' '));
    await c.ok(`LOGIN ${USER1.user} ${USER1.pass}`);
    await logout(c);
    assert.deepEqual(await srv.call('autoban', 'list'), []);
  } finally {
    await srv.close();
  }
});

test('ENABLE, ID, NAMESPACE', async () => {
  const srv = await startLab();
  try {
    const c = await connectImap(srv.imapPort);
    const id = await c.ok('ID ("name" "prueba" "version" "1.0")');
    assert.equal(id.lines.length, 1);
    assert.match(id.lines[0]!, /^\* ID (\(("[^"]*" ("[^"]*"|NIL) ?)*\)|NIL)$/);
    await c.ok('ID NIL');
    await c.bad('ENABLE CONDSTORE', /auth/i);
    await c.ok(`LOGIN ${USER1.user} ${USER1.pass}`);
    const en = await c.ok('ENABLE FOO-BAR');
    assert.deepEqual(en.lines, ['* ENABLED'], 'unknown extensions are ignored (RFC 5161 §3.1)');
    const ns = await c.ok('NAMESPACE');
    assert.deepEqual(ns.lines, ['* NAMESPACE (("" "/")) NIL NIL']);
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('GETQUOTAROOT / GETQUOTA: no root without a limit; STORAGE in KB after the admin sets a quota', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const none = await c.ok('GETQUOTAROOT INBOX');
    assert.equal(none.lines.length, 1);
    assert.match(none.lines[0]!, /^\* QUOTAROOT "?INBOX"?$/);
    await c.no('GETQUOTA ""');
    await srv.call('accounts', 'update', { id: accountId(srv, USER1.user), quotaMb: 2 });
    await deliver(srv, USER1.user, message('cuota', 'x'.repeat(3000) + '\r\n'));
    const r = await c.ok('GETQUOTAROOT INBOX');
    assert.match(r.lines[0] ?? '', /^\* QUOTAROOT "?INBOX"? ""$/);
    const m = /^\* QUOTA "" \(STORAGE (\d+) (\d+)\)$/.exec(r.lines[1] ?? '');
    assert.ok(m, JSON.stringify(r.lines));
    assert.equal(Number(m[2]), 2048);
    assert.ok(Number(m[1]) >= 3, `usage counts the message: ${m[1]}`);
    const q = await c.ok('GETQUOTA ""');
    assert.equal(q.lines[0], r.lines[1]);
    await c.no('GETQUOTAROOT NoExiste', /^NO \[NONEXISTENT\]/);
    await logout(c);
  } finally {
    await srv.close();
  }
});

// §12 T-IMAP-01: the commands of the course notes, typed by hand with arbitrary tags, lower case.
test('REQUIREMENTS §12 T-IMAP-01: the ncat session of the course notes', async () => {
  const srv = await startLab();
  try {
    const attachment = Buffer.alloc(3000, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    await deliver(
      srv,
      USER1.user,
      message('uno', 'primero\r\n'),
      message('dos', 'segundo\r\n'),
      message('tres', 'tercero\r\n'),
      message(
        'adjunto',
        '--limite\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nVer adjunto.\r\n--limite\r\nContent-Type: application/octet-stream; name="prueba.TMP"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="prueba.TMP"\r\n\r\n' +
          attachment +
          '\r\n--limite--\r\n',
        { 'MIME-Version': '1.0', 'Content-Type': 'multipart/mixed; boundary="limite"' },
      ),
    );
    const c = await connectImap(srv.imapPort);
    c.send('ab CAPABILITY');
    assert.match(await c.line(), /^\* CAPABILITY IMAP4rev1 .*STARTTLS/);
    assert.match(await c.line(), /^ab OK/);
    c.send('ab STARTTLS');
    assert.match(await c.line(), /^ab OK/);
    await c.startTls();
    c.send('a1 LOGIN cuenta1 secreto1');
    assert.match((await c.collect('a1')).status, /^OK/);

    c.send('a2 SELECT INBOX');
    const sel = await c.collect('a2');
    assert.match(sel.status, /^OK \[READ-WRITE\]/);
    assert.ok(sel.lines.some((l) => /^\* FLAGS \(.*\\Answered.*\\Deleted.*\\Seen.*\\Draft.*\)$/.test(l) || /^\* FLAGS \(/.test(l)), 'FLAGS');
    assert.ok(sel.lines.includes('* 4 EXISTS'), JSON.stringify(sel.lines));
    assert.ok(sel.lines.some((l) => /^\* \d+ RECENT$/.test(l)), 'RECENT');
    assert.ok(sel.lines.some((l) => /^\* OK \[UNSEEN 1\]/.test(l)), 'OK [UNSEEN 1]');

    c.send('a3 EXAMINE INBOX');
    assert.match((await c.collect('a3')).status, /^OK \[READ-ONLY\]/);
    c.send('a4 STATUS INBOX (RECENT)');
    const st = await c.collect('a4');
    assert.match(st.lines[0] ?? '', /^\* STATUS "?INBOX"? \(RECENT \d+\)$/);
    c.send('a5 CREATE carpeta');
    assert.match((await c.collect('a5')).status, /^OK/);
    c.send('a6 CREATE carpeta/hija');
    assert.match((await c.collect('a6')).status, /^OK/);
    c.send('a7 LIST "" "*"');
    const all = await c.collect('a7');
    for (const n of ['INBOX', 'carpeta', 'carpeta/hija', 'Sent', 'Drafts', 'Trash', 'Junk']) {
      assert.ok(all.lines.some((l) => new RegExp(`^\\* LIST \\([^)]*\\) "/" "?${n.replace('/', '\\/')}"?$`).test(l)), `LIST * shows ${n}: ${JSON.stringify(all.lines)}`);
    }
    c.send('a8 LIST "" "%"');
    const top = await c.collect('a8');
    assert.ok(!top.lines.some((l) => l.includes('carpeta/hija')), '% does not cross the delimiter');
    assert.ok(top.lines.some((l) => /\\HasChildren.*carpeta"?$/.test(l)), `carpeta has children: ${JSON.stringify(top.lines)}`);
    c.send('a9 DELETE carpeta/hija');
    assert.match((await c.collect('a9')).status, /^OK/);
    c.send('b1 RENAME carpeta otra');
    assert.match((await c.collect('b1')).status, /^OK/);
    c.send('b2 DELETE otra');
    assert.match((await c.collect('b2')).status, /^OK/);

    c.send('b3 SELECT INBOX');
    await c.collect('b3');
    c.send('b4 SEARCH SUBJECT tres');
    assert.ok((await c.collect('b4')).lines.includes('* SEARCH 3'));
    c.send('b5 fetch 1:* (UID FLAGS)');
    const uf = await c.collect('b5');
    assert.deepEqual(
      fetches(uf).map((f) => [f.seq, f.items.get('UID'), f.items.get('FLAGS')]),
      [
        [1, 1, []],
        [2, 2, []],
        [3, 3, []],
        [4, 4, []],
      ],
    );
    c.send('8 fetch 4 (BODYSTRUCTURE)');
    const bs = await c.collect('8');
    assert.match(bs.tagged, /^8 OK FETCH completed/);
    assert.match(
      bs.lines[0]!,
      /\("APPLICATION" "OCTET-STREAM" \("NAME" "prueba\.TMP"\) NIL NIL "BASE64" \d+ NIL \("ATTACHMENT" \("FILENAME" "prueba\.TMP"\)\)/i,
    );
    c.send('b6 fetch 1 (BODY[HEADER])');
    const h = fetchOne(await c.collect('b6'));
    assert.match(String(h.items.get('BODY[HEADER]')), /Subject: uno\r\n[\s\S]*\r\n\r\n$/);
    c.send('b7 fetch 1 (BODY[TEXT])');
    assert.equal(String(fetchOne(await c.collect('b7')).items.get('BODY[TEXT]')), 'primero\r\n');
    c.send('b8 fetch 4 (BODY[2])');
    const part2 = fetchOne(await c.collect('b8')).items.get('BODY[2]');
    assert.equal(Buffer.from(String(part2), 'base64').length, 3000);
    c.send('b9 fetch 4 (BODY[1])');
    assert.equal(String(fetchOne(await c.collect('b9')).items.get('BODY[1]')), 'Ver adjunto.');
    c.send('c1 STORE 2 +FLAGS (\\Deleted)');
    assert.match((await c.collect('c1')).status, /^OK/);
    c.send('c2 EXPUNGE');
    assert.ok((await c.collect('c2')).lines.includes('* 2 EXPUNGE'));
    c.send('ab CHECK');
    assert.match(await c.line(), /^ab OK/);
    c.send('c3 STORE 1 +FLAGS (\\Deleted)');
    await c.collect('c3');
    c.send('c4 CLOSE');
    const cl = await c.collect('c4');
    assert.deepEqual(cl.lines, [], 'CLOSE expunges silently');
    c.send('c5 NOOP');
    assert.match(await c.line(), /^c5 OK/);
    c.send('c6 LOGOUT');
    assert.match(await c.line(), /^\* BYE/);
    assert.match(await c.line(), /^c6 OK/);
    assert.ok(await c.closedByServer());
    assert.equal(srv.host.mail.listMessages(accountId(srv, USER1.user)).length, 2, 'two messages left in INBOX');
  } finally {
    await srv.close();
  }
});
