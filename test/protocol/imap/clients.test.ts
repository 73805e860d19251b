// Real third-party IMAP clients against the real listener: the npm package imapflow (in-process,
// async) and Python's imaplib (a child process run with async execFile, so the in-process server
// keeps serving). APPEND → FETCH byte-exact, MOVE with COPYUID, IDLE hearing an SMTP delivery
// (nodemailer / smtplib), two sessions seeing each other's flag changes and expunges, UIDs stable
// across a server restart, SEARCH with non-ASCII criteria, STARTTLS and 993.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImapFlow, type ExistsEvent, type ExpungeEvent, type FlagsEvent } from 'imapflow';
import nodemailer from 'nodemailer';
import type { TestServer } from '../../helpers/start-server';
import { enableImaps, message, restart, run, sha256, startLab, USER1, USER2 } from './kit';

function flow(port: number, who: { user: string; pass: string } = USER1, opts: { secure?: boolean } = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: opts.secure ?? false,
    auth: { user: who.user, pass: who.pass },
    logger: false,
    disableAutoIdle: true,
    tls: { rejectUnauthorized: false },
  });
}

async function sendMail(srv: TestServer, subject: string, text: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ from: 'cuenta2@aula.test', to: 'cuenta1@aula.test', subject, text });
    assert.match(info.response, /^250 /);
  } finally {
    transport.close();
  }
}

/** Resolves with the first event of that name that passes the filter, or rejects at the deadline. */
function nextEvent<T>(client: ImapFlow, name: string, filter: (e: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      client.off(name, on);
      reject(new Error(`timeout waiting for imapflow "${name}"`));
    }, timeoutMs);
    const on = (e: T): void => {
      if (!filter(e)) return;
      clearTimeout(t);
      client.off(name, on);
      resolve(e);
    };
    client.on(name, on);
  });
}

const ATTACHMENT = Buffer.alloc(40_000);
for (let i = 0; i < ATTACHMENT.length; i++) ATTACHMENT[i] = (i * 7919) % 256;
const MIME = Buffer.concat([
  Buffer.from(
    'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: =?UTF-8?Q?adjunto_binario_=C3=B1?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="xyz"\r\n\r\n--xyz\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nAhí va el fichero.\r\n--xyz\r\nContent-Type: application/octet-stream; name="datos.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  ),
  Buffer.from(ATTACHMENT.toString('base64').replace(/.{76}/g, '$&\r\n') + '\r\n--xyz--\r\n'),
]);

test('imapflow: APPEND then FETCH source byte-exact, bodyStructure, download of a part; MOVE with COPYUID; STATUS and LIST', async () => {
  const srv = await startLab();
  const c = flow(srv.imapPort);
  try {
    await c.connect();
    const ap = await c.append('INBOX', MIME, ['\\Flagged'], new Date('2026-02-03T04:05:06Z'));
    assert.ok(ap && ap.uid && ap.uidValidity, 'APPENDUID understood');
    const lock = await c.getMailboxLock('INBOX');
    try {
      const m = await c.fetchOne(String(ap.uid), { source: true, flags: true, internalDate: true, size: true, bodyStructure: true, envelope: true }, { uid: true });
      assert.ok(m);
      assert.equal(sha256(m.source!), sha256(MIME), 'BODY[] byte-exact through imapflow');
      assert.equal(m.size, MIME.length);
      assert.ok(m.flags!.has('\\Flagged'));
      assert.equal(new Date(m.internalDate!).toISOString(), '2026-02-03T04:05:06.000Z');
      assert.equal(m.envelope!.subject, 'adjunto binario ñ');
      assert.equal(m.bodyStructure!.type, 'multipart/mixed');
      assert.deepEqual(
        m.bodyStructure!.childNodes!.map((n) => [n.part, n.type]),
        [
          ['1', 'text/plain'],
          ['2', 'application/octet-stream'],
        ],
      );
      const dl = await c.download(String(ap.uid), '2', { uid: true });
      const chunks: Buffer[] = [];
      assert.ok(dl.content, 'part 2 found');
      for await (const ch of dl.content) chunks.push(ch as Buffer);
      assert.equal(sha256(Buffer.concat(chunks)), sha256(ATTACHMENT), 'the decoded attachment is intact');

      const mv = await c.messageMove(String(ap.uid), 'Archive/2026', { uid: true }).catch((e: Error) => e);
      assert.ok(mv instanceof Error || mv === false, 'MOVE to a missing mailbox fails');
      await c.mailboxCreate('Archive/2026');
      const moved = await c.messageMove(String(ap.uid), 'Archive/2026', { uid: true });
      assert.ok(moved && moved.uidMap, 'COPYUID understood');
      assert.equal(moved.uidMap.size, 1);
      const newUid = moved.uidMap.get(ap.uid)!;
      assert.ok(newUid > 0);
      assert.equal(c.mailbox && c.mailbox.exists, 0, 'the EXPUNGE of the MOVE is applied');
      const st = await c.status('Archive/2026', { messages: true, uidValidity: true, unseen: true });
      assert.equal(st && st.messages, 1);
      assert.equal(st && st.uidValidity, moved.uidValidity);
    } finally {
      lock.release();
    }
    const list = await c.list();
    const byPath = new Map(list.map((l) => [l.path, l]));
    assert.equal(byPath.get('Sent')?.specialUse, '\\Sent');
    assert.equal(byPath.get('Trash')?.specialUse, '\\Trash');
    assert.equal(byPath.get('Junk')?.specialUse, '\\Junk');
    assert.equal(byPath.get('Drafts')?.specialUse, '\\Drafts');
    assert.equal(byPath.get('Archive/2026')?.parentPath, 'Archive');
    const lock2 = await c.getMailboxLock('Archive/2026');
    try {
      const again = await c.fetchOne('*', { source: true });
      assert.ok(again);
      assert.equal(sha256(again.source!), sha256(MIME), 'the moved message is the same bytes');
    } finally {
      lock2.release();
    }
    const q = await c.getQuota('INBOX');
    assert.ok(q === false || typeof q === 'object', 'GETQUOTAROOT answered');
    await c.logout();
  } finally {
    c.close();
    await srv.close();
  }
});

test('imapflow: IDLE receives EXISTS when SMTP delivers; another session sees flag changes and expunges on NOOP', async () => {
  const srv = await startLab();
  const a = flow(srv.imapPort);
  const b = flow(srv.imapPort);
  try {
    await a.connect();
    await b.connect();
    await a.append('INBOX', message('primero', 'uno\r\n'));
    await a.mailboxOpen('INBOX');
    await b.mailboxOpen('INBOX');
    const exists = nextEvent<ExistsEvent>(a, 'exists', (e) => e.count === 2);
    const idling = a.idle();
    await sendMail(srv, 'por smtp', 'llegó por SMTP');
    const ev = await exists;
    assert.equal(ev.prevCount, 1);
    // Any command ends the IDLE (imapflow sends DONE).
    const last = await a.fetchOne('*', { envelope: true, uid: true });
    await idling;
    assert.ok(last);
    assert.equal(last.envelope!.subject, 'por smtp');

    // B changes flags: A hears it on NOOP.
    await b.noop();
    const flagsEv = nextEvent<FlagsEvent>(a, 'flags', (e) => e.seq === 1);
    await b.messageFlagsAdd('1', ['\\Seen', '$Leido']);
    await a.noop();
    const fe = await flagsEv;
    assert.ok(fe.flags.has('\\Seen') && fe.flags.has('$Leido'), [...fe.flags].join(' '));

    // B deletes message 1: A hears the EXPUNGE on NOOP, and its count follows.
    const expEv = nextEvent<ExpungeEvent>(a, 'expunge');
    await b.messageDelete('1');
    await a.noop();
    const ee = await expEv;
    assert.equal(ee.seq, 1);
    assert.equal(a.mailbox && a.mailbox.exists, 1);
    await a.logout();
    await b.logout();
  } finally {
    a.close();
    b.close();
    await srv.close();
  }
});

test('imapflow: UIDs and UIDVALIDITY are stable across a server restart; new UIDs keep growing', async () => {
  let srv = await startLab();
  try {
    const c = flow(srv.imapPort);
    await c.connect();
    for (let i = 1; i <= 4; i++) await c.append('INBOX', message(`r${i}`, `${i}\r\n`));
    await c.mailboxOpen('INBOX');
    await c.messageDelete('2');
    const before = await c.fetchAll('1:*', { uid: true, envelope: true });
    const uidValidity = c.mailbox && c.mailbox.uidValidity;
    const uidNext = c.mailbox && c.mailbox.uidNext;
    await c.logout();
    c.close();

    srv = await restart(srv);
    const d = flow(srv.imapPort);
    await d.connect();
    const box = await d.mailboxOpen('INBOX');
    assert.equal(box.uidValidity, uidValidity, 'UIDVALIDITY survives the restart');
    const after = await d.fetchAll('1:*', { uid: true, envelope: true });
    assert.deepEqual(
      after.map((m) => [m.uid, m.envelope!.subject]),
      before.map((m) => [m.uid, m.envelope!.subject]),
    );
    assert.deepEqual(after.map((m) => m.uid), [1, 3, 4]);
    const ap = await d.append('INBOX', message('tras reinicio', 'x\r\n'));
    assert.ok(ap && ap.uid !== undefined);
    assert.ok(ap.uid >= Number(uidNext), `a new UID (${ap.uid}) is not reused after the restart (UIDNEXT was ${uidNext})`);
    assert.equal(ap.uid, 5, 'the expunged UID 2 and the used ones are not reused');
    await d.logout();
    d.close();
  } finally {
    await srv.close();
  }
});

test('imapflow: SEARCH with non-ASCII criteria (CHARSET UTF-8 literals), over STARTTLS and on 993', async () => {
  const srv = await startLab();
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: srv.smtpPort, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ from: '"José Pérez" <jose@aula.test>', to: 'cuenta1@aula.test', subject: 'Café con leña', text: 'El café está listo.' });
    await transport.sendMail({ from: 'ana@aula.test', to: 'cuenta1@aula.test', subject: 'Otro asunto', text: 'Una cigüeña en el tejado.\n'.repeat(20), encoding: 'base64' } as never);
    await transport.sendMail({ from: 'ana@aula.test', to: 'cuenta1@aula.test', subject: 'Привет', html: '<p>Año nuevo</p>', text: 'Año nuevo' });
    const c = flow(srv.imapPort);
    await c.connect();
    assert.ok(c.tls, 'imapflow upgraded with STARTTLS, which the port offers');
    await c.mailboxOpen('INBOX');
    assert.deepEqual(await c.search({ subject: 'café' }, { uid: true }), [1]);
    assert.deepEqual(await c.search({ from: 'José' }), [1]);
    assert.deepEqual(await c.search({ body: 'cigüeña' }), [2]);
    assert.deepEqual(await c.search({ subject: 'Привет' }), [3]);
    assert.deepEqual(await c.search({ text: 'Año nuevo' }), [3]);
    assert.deepEqual(await c.search({ or: [{ subject: 'café' }, { body: 'cigüeña' }] }), [1, 2]);
    await c.logout();
    c.close();

    const port = await enableImaps(srv);
    const s = flow(port, USER1, { secure: true });
    await s.connect();
    const box = await s.mailboxOpen('INBOX', { readOnly: true });
    assert.equal(box.exists, 3);
    assert.deepEqual(await s.search({ seen: false }), [1, 2, 3]);
    await s.logout();
    s.close();
  } finally {
    transport.close();
    await srv.close();
  }
});

// Python imaplib: everything it saw, as JSON. argv: port, mode (plain|starttls|ssl), smtp port.
const IMAPLIB = String.raw`
import imaplib, ssl, sys, json, hashlib, smtplib, socket, time
port, mode, smtp_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
if mode == "ssl":
    M = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=20)
else:
    M = imaplib.IMAP4("127.0.0.1", port, timeout=20)
    if mode == "starttls":
        out["starttls"] = M.starttls(ssl_context=ctx)[0]
out["caps"] = sorted(M.capabilities)
out["login"] = M.login("cuenta1@aula.test", "secreto1")[0]
msg = ("From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: desde imaplib\r\n\r\nHola \xf1and\xfa\r\n.punto\r\n").encode("utf-8")
typ, data = M.append("INBOX", r"(\Seen $Python)", imaplib.Time2Internaldate(time.mktime((2026, 1, 2, 3, 4, 5, 0, 0, -1))), msg)
out["append"] = [typ, data[0].decode()]
typ, data = M.select("INBOX")
out["select"] = [typ, int(data[0])]
n = data[0].decode()
typ, data = M.fetch(n, "(UID FLAGS BODY.PEEK[])")
out["fetchsha"] = hashlib.sha256(data[0][1]).hexdigest()
out["fetchsha_expected"] = hashlib.sha256(msg).hexdigest()
out["fetchmeta"] = data[0][0].decode()
M.literal = "ñandú".encode("utf-8")
typ, data = M.search("UTF-8", "BODY")
out["search_utf8"] = data[0].decode()
typ, data = M.uid("SEARCH", None, "SUBJECT", "imaplib")
out["uid_search"] = data[0].decode()
M.create("Python")
typ, data = M.uid("MOVE", out["uid_search"].split()[-1], "Python")
out["move"] = [typ, [d.decode() if isinstance(d, bytes) else str(d) for d in data]]
out["move_untagged"] = [r.decode() if isinstance(r, bytes) else str(r) for r in M.untagged_responses.get("OK", [])]
out["move_expunge"] = [r.decode() if isinstance(r, bytes) else str(r) for r in M.untagged_responses.pop("EXPUNGE", [])]
typ, data = M.status("Python", "(MESSAGES)")
out["status"] = data[0].decode()
# IDLE by hand (imaplib of 3.11 has no idle()): smtplib delivers while the session idles.
tag = M._new_tag()
M.send(tag + b" IDLE\r\n")
out["idle"] = M.readline().decode().strip()
s = smtplib.SMTP("127.0.0.1", smtp_port, timeout=20)
s.sendmail("cuenta2@aula.test", ["cuenta1@aula.test"], b"Subject: durante idle\r\n\r\nnuevo\r\n")
s.quit()
out["idle_push"] = M.readline().decode().strip()
M.send(b"DONE\r\n")
while True:
    l = M.readline().decode().strip()
    if l.startswith(tag.decode() + " "):
        out["idle_done"] = l.split(" ", 1)[1]
        break
typ, data = M.store("1", "+FLAGS", r"(\Deleted)")
out["store"] = data[0].decode()
typ, data = M.expunge()
out["expunge"] = [d.decode() if isinstance(d, bytes) else str(d) for d in data]
out["close"] = M.close()[0]
out["logout"] = M.logout()[0]
print(json.dumps(out))
`;

interface ImaplibOut {
  starttls?: string;
  caps: string[];
  login: string;
  append: [string, string];
  select: [string, number];
  fetchsha: string;
  fetchsha_expected: string;
  fetchmeta: string;
  search_utf8: string;
  uid_search: string;
  move: [string, string[]];
  move_untagged: string[];
  move_expunge: string[];
  status: string;
  idle: string;
  idle_push: string;
  idle_done: string;
  store: string;
  expunge: string[];
  close: string;
  logout: string;
}

async function imaplib(srv: TestServer, port: number, mode: 'plain' | 'starttls' | 'ssl'): Promise<ImaplibOut> {
  const r = await run('python3', ['-c', IMAPLIB, String(port), mode, String(srv.smtpPort)], { timeoutMs: 40_000 });
  assert.equal(r.code, 0, `imaplib (${mode}) failed:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as ImaplibOut;
}

test('Python imaplib: LOGIN, APPEND with flags and date, FETCH byte-exact, SEARCH CHARSET UTF-8, UID MOVE with COPYUID, IDLE during an smtplib delivery, EXPUNGE', async () => {
  const srv = await startLab();
  try {
    await sendMail(srv, 'ya estaba', 'antes');
    const o = await imaplib(srv, srv.imapPort, 'plain');
    assert.ok(o.caps.includes('IMAP4REV1') && o.caps.includes('IDLE') && o.caps.includes('MOVE'), o.caps.join(' '));
    assert.equal(o.login, 'OK');
    assert.equal(o.append[0], 'OK');
    assert.match(o.append[1], /^\[APPENDUID \d+ 2\]/);
    assert.deepEqual(o.select, ['OK', 2]);
    assert.equal(o.fetchsha, o.fetchsha_expected, 'BODY[] byte-exact through imaplib');
    assert.match(o.fetchmeta, /UID 2/);
    assert.match(o.fetchmeta, /FLAGS \((?=[^)]*\\Seen)(?=[^)]*\$Python)[^)]*\)/);
    assert.equal(o.search_utf8, '2');
    assert.equal(o.uid_search, '2');
    assert.equal(o.move[0], 'OK');
    assert.ok(o.move_untagged.some((l) => /^\[COPYUID \d+ 2 1\]/.test(l)), JSON.stringify(o.move_untagged));
    assert.deepEqual(o.move_expunge, ['2'], 'the MOVE expunged message 2');
    assert.match(o.status, /"?Python"? \(MESSAGES 1\)/);
    assert.match(o.idle, /^\+ /);
    assert.equal(o.idle_push, '* 2 EXISTS');
    assert.match(o.idle_done, /^OK\b/);
    assert.match(o.store, /^1 \(FLAGS \(\\Deleted\)\)$/);
    assert.deepEqual(o.expunge, ['1']);
    assert.equal(o.close, 'OK');
    assert.equal(o.logout, 'BYE');
  } finally {
    await srv.close();
  }
});

test('Python imaplib over STARTTLS and IMAP4_SSL on 993', async () => {
  const srv = await startLab();
  try {
    const a = await imaplib(srv, srv.imapPort, 'starttls');
    const b = await imaplib(srv, await enableImaps(srv), 'ssl');
    assert.equal(a.starttls, 'OK');
    assert.ok(!a.caps.includes('STARTTLS'), 'imaplib refreshed the capabilities after STARTTLS');
    for (const o of [a, b]) {
      assert.equal(o.login, 'OK');
      assert.equal(o.fetchsha, o.fetchsha_expected);
      assert.equal(o.idle_done.slice(0, 2), 'OK');
    }
    // Both appended and both moved one message.
    const c = flow(srv.imapPort, USER1);
    await c.connect();
    const st = await c.status('Python', { messages: true });
    assert.equal(st && st.messages, 2);
    await c.logout();
    c.close();
    const other = flow(srv.imapPort, USER2);
    await other.connect();
    const inbox2 = await other.status('INBOX', { messages: true });
    assert.equal(inbox2 && inbox2.messages, 0, 'nothing leaked into another account');
    await other.logout();
    other.close();
  } finally {
    await srv.close();
  }
});
