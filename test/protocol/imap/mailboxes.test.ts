// Mailbox management on a raw socket: the special folders and their SPECIAL-USE attributes,
// LIST with * and %, LIST-EXTENDED selection and RETURN options (SPECIAL-USE, CHILDREN, STATUS),
// CREATE/DELETE/RENAME (children, INBOX), SUBSCRIBE/UNSUBSCRIBE/LSUB, STATUS, APPEND (flags,
// internal date, APPENDUID, LITERAL+ and synchronizing literals, [TRYCREATE]), SELECT/EXAMINE,
// CHECK, CLOSE, UNSELECT, EXPUNGE, UID EXPUNGE, and the "." hierarchy delimiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountId, append, fetches, flagsOf, listed, login, logout, message, quote, startLab, statusOf } from './kit';

test('LIST: INBOX and the special folders with SPECIAL-USE attributes, * and %, the delimiter query, LIST (SPECIAL-USE) and RETURN options', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const root = await c.ok('LIST "" ""');
    assert.equal(root.lines.length, 1);
    assert.match(root.lines[0]!, /^\* LIST \(\\Noselect\) "\/" ""$/);

    const all = listed(await c.ok('LIST "" "*"'));
    assert.deepEqual([...all.keys()].sort(), ['Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    for (const [name, use] of [['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Trash', '\\Trash'], ['Junk', '\\Junk']] as const) {
      assert.ok(all.get(name)!.includes(use), `${name} has ${use}: ${all.get(name)!.join(' ')}`);
      assert.ok(all.get(name)!.includes('\\HasNoChildren'));
    }
    assert.ok(!all.get('INBOX')!.some((a) => ['\\Sent', '\\Drafts', '\\Trash', '\\Junk'].includes(a)));

    await c.ok('CREATE Proyectos');
    await c.ok('CREATE Proyectos/2026');
    await c.ok('CREATE Proyectos/2026/Marzo');
    const star = listed(await c.ok('LIST "" "*"'));
    assert.ok(star.has('Proyectos/2026/Marzo'), '* matches across the delimiter');
    const pct = listed(await c.ok('LIST "" "%"'));
    assert.ok(pct.has('Proyectos') && !pct.has('Proyectos/2026'), '% stops at the delimiter');
    assert.ok(pct.get('Proyectos')!.includes('\\HasChildren'));
    const under = listed(await c.ok('LIST "Proyectos/" "%"'));
    assert.deepEqual([...under.keys()], ['Proyectos/2026'], 'reference + pattern');
    const lower = listed(await c.ok('LIST "" "inbox"'));
    assert.deepEqual([...lower.keys()], ['INBOX'], 'INBOX is case-insensitive');
    const mid = listed(await c.ok('LIST "" "Pro*o"'));
    assert.deepEqual([...mid.keys()].sort(), ['Proyectos/2026/Marzo'], 'wildcards in the middle');

    const su = listed(await c.ok('LIST (SPECIAL-USE) "" "*"'));
    assert.deepEqual([...su.keys()].sort(), ['Drafts', 'Junk', 'Sent', 'Trash'], 'LIST (SPECIAL-USE) lists only special folders');

    const ret = await c.ok('LIST "" "*" RETURN (SPECIAL-USE CHILDREN STATUS (MESSAGES UNSEEN))');
    const retList = listed(ret);
    assert.ok(retList.get('Sent')!.includes('\\Sent'));
    assert.ok(retList.get('Proyectos')!.includes('\\HasChildren'));
    await append(c, 'Sent', message('enviado', 'hola\r\n'), '(\\Seen)');
    await append(c, 'Sent', message('enviado2', 'hola\r\n'));
    const ret2 = await c.ok('LIST "" "%" RETURN (STATUS (MESSAGES UNSEEN))');
    assert.deepEqual(statusOf(ret2, 'Sent'), { MESSAGES: 2, UNSEEN: 1 });
    assert.deepEqual(statusOf(ret2, 'INBOX'), { MESSAGES: 0, UNSEEN: 0 });
    // RFC 5819: each STATUS follows the LIST of its mailbox.
    const i = ret2.lines.findIndex((l) => /^\* LIST .* "?Sent"?$/.test(l));
    assert.match(ret2.lines[i + 1] ?? '', /^\* STATUS "?Sent"? /);
    const multi = listed(await c.ok('LIST "" ("INBOX" "Trash")'));
    assert.deepEqual([...multi.keys()].sort(), ['INBOX', 'Trash'], 'LIST-EXTENDED pattern list');
    await c.bad('LIST (BOGUS) "" "*"');
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('CREATE, DELETE, RENAME: duplicates, children, INBOX rules, the selected mailbox', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    await c.ok('CREATE Viajes');
    await c.no('CREATE Viajes', /^NO \[ALREADYEXISTS\]/);
    await c.no('CREATE INBOX', /^NO\b/);
    await c.ok('CREATE Viajes/Roma/');
    const l = listed(await c.ok('LIST "" "Viajes*"'));
    assert.ok(l.has('Viajes/Roma'), `a trailing delimiter is dropped (RFC 9051 §6.3.4): ${[...l.keys()]}`);
    await c.no('DELETE NoExiste', /^NO\b/);
    await c.no('DELETE INBOX', /^NO\b/);
    // The course notes: a mailbox with children is not deleted; delete the innermost first.
    await c.no('DELETE Viajes', /^NO\b/);
    assert.ok(listed(await c.ok('LIST "" "*"')).has('Viajes/Roma'), 'the children are still there');

    // RENAME moves the children along.
    await append(c, 'Viajes/Roma', message('foto', 'coliseo\r\n'));
    await c.ok('RENAME Viajes Vacaciones');
    const after = listed(await c.ok('LIST "" "*"'));
    assert.ok(after.has('Vacaciones') && after.has('Vacaciones/Roma') && !after.has('Viajes') && !after.has('Viajes/Roma'), [...after.keys()].join(','));
    assert.deepEqual(statusOf(await c.ok('STATUS Vacaciones/Roma (MESSAGES)'), 'Vacaciones/Roma'), { MESSAGES: 1 });
    await c.no('RENAME NoExiste Otro', /^NO\b/);
    await c.no('RENAME Vacaciones Sent', /^NO\b/);
    await c.no('RENAME Vacaciones INBOX', /^NO\b/);

    // RENAME INBOX: its messages move to the new mailbox, INBOX stays, empty (RFC 9051 §6.3.6).
    await append(c, 'INBOX', message('a', 'uno\r\n'));
    await append(c, 'INBOX', message('b', 'dos\r\n'));
    await c.ok('RENAME INBOX Antiguo');
    assert.deepEqual(statusOf(await c.ok('STATUS INBOX (MESSAGES)'), 'INBOX'), { MESSAGES: 0 });
    assert.deepEqual(statusOf(await c.ok('STATUS Antiguo (MESSAGES)'), 'Antiguo'), { MESSAGES: 2 });
    await c.ok('SELECT Antiguo');
    const f = fetches(await c.ok('FETCH 1:* (BODY.PEEK[TEXT])'));
    assert.deepEqual(f.map((x) => String(x.items.get('BODY[TEXT]'))), ['uno\r\n', 'dos\r\n']);

    // Deleting the selected mailbox leaves the selected state.
    await c.ok('CREATE Temporal');
    await c.ok('SELECT Temporal');
    await c.ok('DELETE Temporal');
    const r = await c.cmd('FETCH 1 FLAGS');
    assert.match(r.status, /^(BAD|NO)\b/, 'no mailbox selected any more');
    await c.no('SELECT Temporal', /^NO\b/);
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('SUBSCRIBE, UNSUBSCRIBE, LSUB and LIST (SUBSCRIBED)', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    await c.ok('CREATE Listas');
    await c.ok('CREATE Listas/Correo');
    // Whether CREATE subscribes is up to the server: start from a known state.
    await c.ok('UNSUBSCRIBE Listas');
    await c.ok('SUBSCRIBE Listas/Correo');
    const lsub = listed(await c.ok('LSUB "" "*"'), 'LSUB');
    assert.ok(lsub.has('Listas/Correo'));
    assert.ok(!lsub.has('Listas'), 'Listas is not subscribed');
    const sub = listed(await c.ok('LIST (SUBSCRIBED) "" "*"'));
    assert.ok(sub.get('Listas/Correo')!.includes('\\Subscribed'));
    const ret = listed(await c.ok('LIST "" "Listas*" RETURN (SUBSCRIBED)'));
    assert.ok(ret.get('Listas/Correo')!.includes('\\Subscribed') && !ret.get('Listas')!.includes('\\Subscribed'));
    await c.ok('UNSUBSCRIBE Listas/Correo');
    assert.ok(!listed(await c.ok('LSUB "" "*"'), 'LSUB').has('Listas/Correo'));
    const pct = await c.ok('LSUB "" "%"');
    for (const l of pct.lines) assert.match(l, /^\* LSUB /);
    await logout(c);
  } finally {
    await srv.close();
  }
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Milliseconds of an IMAP date-time ("14-Jul-2025 09:05:03 +0200"), NaN if it is not one. */
function imapDate(s: string): number {
  const m = /^( ?\d{1,2})-([A-Z][a-z]{2})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(s);
  if (!m) return NaN;
  const utc = Date.UTC(Number(m[3]), MONTHS.indexOf(m[2]!), Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const off = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '+' ? 1 : -1);
  return utc - off;
}

test('APPEND: flags, internal date, APPENDUID, LITERAL+ and "+" continuation, [TRYCREATE]; STATUS items', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    const st0 = statusOf(await c.ok('STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT)'), 'INBOX');
    assert.equal(st0.MESSAGES, 0);
    assert.equal(st0.UNSEEN, 0);
    assert.ok(st0.UIDVALIDITY! > 0);

    // Synchronizing literal: the bytes are sent only after "+".
    const m1 = Buffer.from(message('sincrono', 'cuerpo uno\r\n'));
    c.send(`S1 APPEND INBOX (\\Seen \\Flagged $Importante) "14-Jul-2025 09:05:03 +0200" {${m1.length}}`);
    assert.match(await c.line(), /^\+ /, 'continuation request before the literal');
    c.write(Buffer.concat([m1, Buffer.from('\r\n')]));
    const r1 = await c.collect('S1');
    const m = /^OK \[APPENDUID (\d+) (\d+)\]/.exec(r1.status);
    assert.ok(m, r1.tagged);
    assert.equal(Number(m[1]), st0.UIDVALIDITY);
    assert.equal(Number(m[2]), st0.UIDNEXT);

    // LITERAL+: no continuation, the bytes follow the line at once.
    const uid2 = await append(c, 'INBOX', message('literalplus', 'cuerpo dos\r\n'));
    assert.equal(uid2, Number(m[2]) + 1);
    // Nothing is pending: no "+" was sent for the non-synchronizing literal.
    await c.ok('NOOP');
    assert.equal(c.pending, 0);

    // A mailbox that does not exist: NO [TRYCREATE]; the bytes are still consumed as the literal.
    const r3 = await c.cmd(`APPEND NoExiste {6+}\r\nA099 X`);
    assert.match(r3.status, /^NO \[TRYCREATE\]/, r3.tagged);
    await c.ok('NOOP');

    const st = statusOf(await c.ok('STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'), 'INBOX');
    assert.deepEqual(st, { MESSAGES: 2, UNSEEN: 1, UIDNEXT: uid2 + 1 });
    await c.ok('SELECT INBOX');
    const f = fetches(await c.ok('FETCH 1:2 (UID FLAGS INTERNALDATE RFC822.SIZE)'));
    assert.equal(f[0]!.items.get('UID'), Number(m[2]));
    assert.deepEqual(flagsOf(f[0]!), ['$Importante', '\\Flagged', '\\Seen']);
    // The same instant (the zone may be kept or not).
    assert.equal(imapDate(String(f[0]!.items.get('INTERNALDATE'))), Date.parse('2025-07-14T09:05:03+02:00'), String(f[0]!.items.get('INTERNALDATE')));
    assert.equal(f[0]!.items.get('RFC822.SIZE'), m1.length);
    assert.deepEqual(flagsOf(f[1]!), []);
    // The keyword shows in FLAGS of a later SELECT.
    const sel = await c.ok('SELECT INBOX');
    assert.ok(sel.lines.some((l) => /^\* FLAGS \(.*\$Importante.*\)$/.test(l)), JSON.stringify(sel.lines));

    await c.bad('APPEND INBOX "no es fecha" {3+}\r\nabc');
    await c.ok('NOOP');

    // Over quota: NO [OVERQUOTA]; for a synchronizing literal before any "+".
    await srv.call('accounts', 'update', { id: accountId(srv, 'cuenta1@aula.test'), quotaMb: 1 });
    c.send(`Q1 APPEND INBOX {${2 * 1024 * 1024}}`);
    assert.match(await c.line(), /^Q1 NO \[OVERQUOTA\]/, 'refused without a continuation');
    c.write(Buffer.concat([Buffer.from(`Q2 APPEND INBOX {${2 * 1024 * 1024}+}\r\n`), Buffer.alloc(2 * 1024 * 1024, 0x61), Buffer.from('\r\n')]));
    assert.match((await c.collect('Q2')).status, /^NO \[OVERQUOTA\]/);
    await c.ok('NOOP');
    await c.no('STATUS NoExiste (MESSAGES)', /^NO\b/);
    await c.bad('STATUS INBOX (BOGUS)');
    await logout(c);
  } finally {
    await srv.close();
  }
});

test('SELECT/EXAMINE untagged data, READ-ONLY refuses changes, CHECK, CLOSE expunges silently, UNSELECT does not, EXPUNGE and UID EXPUNGE', async () => {
  const srv = await startLab();
  try {
    const c = await login(srv.imapPort);
    for (let i = 1; i <= 6; i++) await append(c, 'INBOX', message(`m${i}`, `cuerpo ${i}\r\n`), i <= 2 ? '(\\Seen)' : '');
    const sel = await c.ok('SELECT INBOX', /^OK \[READ-WRITE\]/);
    const lines = sel.lines;
    assert.ok(lines.some((l) => /^\* FLAGS \(/.test(l) && ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].every((x) => l.includes(x))), 'FLAGS');
    assert.ok(lines.some((l) => /^\* OK \[PERMANENTFLAGS \(.*\\\*\)\]/.test(l)), 'PERMANENTFLAGS with \\*');
    assert.ok(lines.includes('* 6 EXISTS'));
    assert.ok(lines.some((l) => /^\* \d+ RECENT$/.test(l)));
    assert.ok(lines.some((l) => /^\* OK \[UNSEEN 3\]/.test(l)), 'first unseen is 3');
    assert.ok(lines.some((l) => /^\* OK \[UIDVALIDITY \d+\]/.test(l)));
    assert.ok(lines.some((l) => /^\* OK \[UIDNEXT 7\]/.test(l)));
    await c.ok('CHECK');

    const ex = await c.ok('EXAMINE INBOX', /^OK \[READ-ONLY\]/);
    assert.ok(ex.lines.includes('* 6 EXISTS'));
    await c.no('STORE 1 +FLAGS (\\Deleted)', /^NO\b/);
    await c.no('EXPUNGE', /^NO\b/);
    // FETCH BODY[] in a read-only mailbox does not set \Seen.
    await c.ok('FETCH 3 BODY[]');
    await c.ok('CLOSE');
    await c.ok('SELECT INBOX');
    assert.deepEqual(flagsOf(fetches(await c.ok('FETCH 3 FLAGS'))[0]!), [], 'EXAMINE did not set \\Seen');

    await c.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    const un = await c.ok('UNSELECT');
    assert.deepEqual(un.lines, []);
    assert.deepEqual(statusOf(await c.ok('STATUS INBOX (MESSAGES DELETED)'), 'INBOX'), { MESSAGES: 6, DELETED: 1 }, 'UNSELECT does not expunge');
    await c.bad('FETCH 1 FLAGS', /select/i);

    await c.ok('SELECT INBOX');
    await c.ok('STORE 3,5 +FLAGS.SILENT (\\Deleted)');
    // UID EXPUNGE removes only the given UIDs among the \Deleted ones (UIDPLUS).
    const ue = await c.ok('UID EXPUNGE 3:4');
    assert.deepEqual(ue.lines, ['* 3 EXPUNGE']);
    const e = await c.ok('EXPUNGE');
    // Left: uid1(D) uid2 uid4 uid5(D) uid6 → seqs 1 and 4 go, each number valid when sent.
    const nums = e.lines.map((l) => /^\* (\d+) EXPUNGE$/.exec(l)?.[1]).map(Number);
    assert.equal(nums.length, 2, JSON.stringify(e.lines));
    assert.ok(JSON.stringify(nums) === '[4,1]' || JSON.stringify(nums) === '[1,3]', `valid EXPUNGE numbering: ${JSON.stringify(e.lines)}`);
    const left = fetches(await c.ok('FETCH 1:* UID'));
    assert.deepEqual(left.map((x) => x.items.get('UID')), [2, 4, 6]);

    await c.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    const cl = await c.ok('CLOSE');
    assert.deepEqual(cl.lines, [], 'CLOSE sends no EXPUNGE');
    assert.deepEqual(statusOf(await c.ok('STATUS INBOX (MESSAGES)'), 'INBOX'), { MESSAGES: 2 });
    await c.bad('CLOSE');
    // CLOSE after EXAMINE and LOGOUT never expunge.
    await c.ok('SELECT INBOX');
    await c.ok('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await c.ok('EXAMINE INBOX');
    await c.ok('CLOSE');
    assert.deepEqual(statusOf(await c.ok('STATUS INBOX (MESSAGES DELETED)'), 'INBOX'), { MESSAGES: 2, DELETED: 1 }, 'CLOSE of a read-only mailbox keeps \\Deleted messages');
    await c.no('SELECT NoExiste');
    await c.no(`EXAMINE ${quote('Nada/Tampoco')}`);
    await c.ok('SELECT INBOX');
    await logout(c);
    const d = await login(srv.imapPort);
    assert.deepEqual(statusOf(await d.ok('STATUS INBOX (MESSAGES DELETED)'), 'INBOX'), { MESSAGES: 2, DELETED: 1 }, 'LOGOUT does not expunge');
    await logout(d);
  } finally {
    await srv.close();
  }
});

test('imap.hierarchyDelimiter ".": LIST, NAMESPACE, CREATE with "."', async () => {
  const srv = await startLab({ settings: { 'imap.hierarchyDelimiter': '.' } });
  try {
    const c = await login(srv.imapPort);
    assert.deepEqual((await c.ok('NAMESPACE')).lines, ['* NAMESPACE (("" ".")) NIL NIL']);
    assert.match((await c.ok('LIST "" ""')).lines[0]!, /^\* LIST \(\\Noselect\) "\." ""$/);
    await c.ok('CREATE Padre.Hijo');
    const l = await c.ok('LIST "" "*"');
    assert.ok(l.lines.some((x) => /^\* LIST \([^)]*\) "\." "?Padre\.Hijo"?$/.test(x)), JSON.stringify(l.lines));
    assert.ok(listed(l).get('Padre')!.includes('\\HasChildren'));
    const pct = listed(await c.ok('LIST "" "%"'));
    assert.ok(pct.has('Padre') && !pct.has('Padre.Hijo'));
    await c.ok('SELECT Padre.Hijo');
    await logout(c);
  } finally {
    await srv.close();
  }
});
