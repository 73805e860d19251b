// Real third-party POP3 clients against the real listeners: Python's poplib (plain USER/PASS from
// "My computer", STLS, and POP3_SSL on port 995) and the npm package node-pop3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Pop3Command from 'node-pop3';
import type { TestServer } from '../../helpers/start-server';
import { deliver, enablePop3s, run, sha256, stored, startLab } from './kit';

const MESSAGES = [
  'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: primero\r\n\r\nHola desde POP3.\r\n.linea con punto\r\n..dos puntos\r\n',
  'From: cuenta2@aula.test\r\nTo: cuenta1@aula.test\r\nSubject: =?UTF-8?Q?segundo_=C3=B1?=\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nñandú, cigüeña, €.\r\n',
];

// poplib: logs in and reports everything it saw as JSON. argv: port, mode (plain|stls|ssl).
const POPLIB = String.raw`
import poplib, ssl, sys, json, hashlib
port, mode = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
if mode == "ssl":
    p = poplib.POP3_SSL("127.0.0.1", port, context=ctx, timeout=20)
    out["cipher"] = p.sock.version()
else:
    p = poplib.POP3("127.0.0.1", port, timeout=20)
out["welcome"] = p.getwelcome().decode()
if mode == "stls":
    out["capaBefore"] = sorted(p.capa().keys())
    out["stls"] = p.stls(context=ctx).decode()
    out["cipher"] = p.sock.version()
out["capa"] = sorted(p.capa().keys())
out["user"] = p.user("cuenta1@aula.test").decode()
out["pass"] = p.pass_("secreto1").decode()
out["stat"] = list(p.stat())
out["list"] = [l.decode() for l in p.list()[1]]
out["uidl"] = [l.decode() for l in p.uidl()[1]]
out["retr"] = []
for i in range(1, out["stat"][0] + 1):
    resp, lines, octets = p.retr(i)
    data = b"\r\n".join(lines) + b"\r\n"
    out["retr"].append({"resp": resp.decode(), "octets": octets, "sha256": hashlib.sha256(data).hexdigest()})
out["quit"] = p.quit().decode()
print(json.dumps(out))
`;

interface PoplibOut {
  welcome: string;
  cipher?: string;
  capaBefore?: string[];
  stls?: string;
  capa: string[];
  user: string;
  pass: string;
  stat: [number, number];
  list: string[];
  uidl: string[];
  retr: { resp: string; octets: number; sha256: string }[];
  quit: string;
}

async function poplib(port: number, mode: 'plain' | 'stls' | 'ssl'): Promise<PoplibOut> {
  const r = await run('python3', ['-c', POPLIB, String(port), mode]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PoplibOut;
}

/** What every poplib run must have seen, checked against the stored files. */
function assertSawMailbox(srv: TestServer, out: PoplibOut): void {
  const files = stored(srv, 'cuenta1@aula.test');
  assert.equal(files.length, 2);
  const sizes = files.map((f) => f.size);
  assert.equal(out.welcome, '+OK POP3 server ready');
  assert.match(out.user, /^\+OK/);
  assert.match(out.pass, /^\+OK maildrop has 2 messages/);
  assert.deepEqual(out.stat, [2, sizes[0]! + sizes[1]!]);
  assert.deepEqual(out.list, [`1 ${sizes[0]}`, `2 ${sizes[1]}`]);
  assert.equal(out.uidl.length, 2);
  assert.deepEqual(
    out.retr.map((m) => [m.resp, m.octets, m.sha256]),
    files.map((f) => [`+OK ${f.size} octets`, f.size, sha256(f.bytes())]),
    'poplib got each stored message byte for byte',
  );
  assert.match(out.quit, /^\+OK/);
}

test('Python poplib: USER/PASS in plaintext from 127.0.0.1 ("My computer")', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', ...MESSAGES);
    const out = await poplib(srv.pop3Port, 'plain');
    assertSawMailbox(srv, out);
    for (const cap of ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'USER', 'SASL', 'STLS', 'IMPLEMENTATION']) assert.ok(out.capa.includes(cap), cap);
    // RETR marked both \Seen, and nothing was deleted.
    assert.ok(stored(srv, 'cuenta1@aula.test').every((m) => m.flags.includes('\\Seen')));
  } finally {
    await srv.close();
  }
});

test('Python poplib: stls() then login; POP3_SSL on port 995', async () => {
  const srv = await startLab();
  try {
    await deliver(srv, 'cuenta1@aula.test', ...MESSAGES);
    const viaStls = await poplib(srv.pop3Port, 'stls');
    assert.ok(viaStls.capaBefore!.includes('STLS'));
    assert.match(viaStls.stls!, /^\+OK/);
    assert.match(viaStls.cipher!, /^TLSv1\.[23]$/);
    assert.ok(!viaStls.capa.includes('STLS'), `no STLS after TLS: ${viaStls.capa.join(' ')}`);
    assert.ok(viaStls.capa.includes('USER'));
    assertSawMailbox(srv, viaStls);

    const port = await enablePop3s(srv);
    const viaSsl = await poplib(port, 'ssl');
    assert.match(viaSsl.cipher!, /^TLSv1\.[23]$/);
    assert.ok(!viaSsl.capa.includes('STLS'), 'no STLS on implicit TLS');
    assert.ok(viaSsl.capa.includes('USER') && viaSsl.capa.includes('SASL'));
    assertSawMailbox(srv, viaSsl);
    assert.deepEqual(viaSsl.uidl, viaStls.uidl, 'the same unique ids on both ports');
  } finally {
    await srv.close();
  }
});

test('node-pop3: LIST, UIDL, RETR and QUIT', async () => {
  const srv = await startLab();
  try {
    // node-pop3 neither undoes byte-stuffing nor tells a message's last CRLF from the terminator's:
    // plain lines, and the comparison ignores that one CRLF.
    await deliver(srv, 'cuenta1@aula.test', 'Subject: uno\r\n\r\nPrimer mensaje.\r\n', 'Subject: dos\r\n\r\nSegundo mensaje,\r\nen dos lineas.\r\n');
    const files = stored(srv, 'cuenta1@aula.test');
    const pop3 = new Pop3Command({ user: 'cuenta1@aula.test', password: 'secreto1', host: '127.0.0.1', port: srv.pop3Port, timeout: 20_000 });
    const list = await pop3.LIST();
    assert.deepEqual(list, files.map((f, i) => [String(i + 1), String(f.size)]));
    assert.deepEqual(await pop3.LIST(2), ['2', String(files[1]!.size)]);
    const uidl = (await pop3.UIDL()) as string[][];
    assert.equal(uidl.length, 2);
    assert.deepEqual(uidl.map((u) => u[0]), ['1', '2']);
    assert.notEqual(uidl[0]![1], uidl[1]![1]);
    for (let i = 0; i < files.length; i++) {
      const text = await pop3.RETR(i + 1);
      assert.equal(text.replace(/\r\n$/, ''), files[i]!.bytes().toString('utf8').replace(/\r\n$/, ''), `RETR ${i + 1}`);
    }
    assert.match(await pop3.QUIT(), /signing off/);
    assert.equal(stored(srv, 'cuenta1@aula.test').length, 2);
  } finally {
    await srv.close();
  }
});
