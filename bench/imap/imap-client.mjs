// imap-client.mjs — a small IMAP4rev1 client on a raw TCP socket (no TLS; loopback benchmarks
// only), written for bench/imap/run.mjs. Core modules only.
//
// The reader works on bytes: it splits the stream into lines and, when a line ends in a literal
// marker {n}, takes the next n bytes by count without looking at them (they are only counted,
// unless the command asked to keep them), so that receiving FETCH 1:* (BODY.PEEK[]) of 50 MB
// costs the client little. A response is complete at the first line that does not end in a
// literal marker. One command at a time per connection; a command's time runs from just before
// its bytes are written to the moment its tagged response has been read completely.
import net from 'node:net';

const LF = 0x0a;
const CR = 0x0d;
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
/** An IMAP quoted string. */
export const quote = (s) => '"' + String(s).replace(/(["\\])/g, '\\$1') + '"';

/** The literal length announced at the end of a line ("... {123}"), or -1. */
function literalAtEnd(line, end) {
  if (end < 3 || line[end - 1] !== 0x7d) return -1;
  let k = end - 2;
  while (k >= 0 && line[k] >= 0x30 && line[k] <= 0x39) k--;
  if (k < 0 || line[k] !== 0x7b || k === end - 2) return -1;
  return Number(line.toString('latin1', k + 1, end - 1));
}

export class ImapConn {
  constructor(socket, timeoutMs) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    this.seq = 0;
    this.caps = new Set();
    this.greeting = '';
    this.pending = null; // the command in flight
    this.waitGreeting = null;
    this.waitContinue = null;
    this.failure = null;
    this.lineParts = [];
    this.litLeft = 0;
    this.resp = null; // the response being read: { head, text[], litBytes, lits[] }
    this.bytesIn = 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  /** Connects and waits for the greeting: resolves the connection, with .greetMs. */
  static connect(host, port, { timeoutMs = 120_000 } = {}) {
    return new Promise((resolve, reject) => {
      const t0 = nowMs();
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no greeting from ${host}:${port} within ${timeoutMs} ms`)); }, timeoutMs);
      socket.once('error', (e) => { clearTimeout(timer); reject(e); });
      socket.once('connect', () => {
        const c = new ImapConn(socket, timeoutMs);
        c.waitGreeting = {
          resolve: () => { clearTimeout(timer); c.greetMs = nowMs() - t0; resolve(c); },
          reject: (e) => { clearTimeout(timer); reject(e); },
        };
      });
    });
  }

  fail(e) {
    this.failure ??= e;
    for (const k of ['waitGreeting', 'waitContinue']) {
      const w = this[k];
      this[k] = null;
      if (w) w.reject(e);
    }
    const p = this.pending;
    this.pending = null;
    if (p) { clearTimeout(p.timer); p.reject(e); }
  }

  onData(chunk) {
    this.bytesIn += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.litLeft > 0) {
        const n = Math.min(this.litLeft, chunk.length - pos);
        if (this.resp.lits) this.resp.lits.push(Buffer.from(chunk.subarray(pos, pos + n)));
        this.resp.litBytes += n;
        this.litLeft -= n;
        pos += n;
        continue;
      }
      const lf = chunk.indexOf(LF, pos);
      if (lf < 0) { this.lineParts.push(chunk.subarray(pos)); break; }
      let line = chunk.subarray(pos, lf + 1);
      pos = lf + 1;
      if (this.lineParts.length) { this.lineParts.push(line); line = Buffer.concat(this.lineParts); this.lineParts = []; }
      this.onLine(line);
    }
  }

  onLine(line) {
    let end = line.length - 1;
    if (end > 0 && line[end - 1] === CR) end--;
    const lit = literalAtEnd(line, end);
    if (!this.resp) {
      const p = this.pending;
      const head = line.toString('latin1', 0, Math.min(end, 64));
      const keep = !p || p.collect || !head.startsWith('* ') || /^\* (SEARCH|\d+ EXISTS|BYE|OK|NO|BAD|CAPABILITY)\b/i.test(head);
      this.resp = { head, text: keep ? [] : null, litBytes: 0, lits: p?.keepLiterals ? [] : null, nLits: 0 };
    }
    const r = this.resp;
    if (r.text) r.text.push(line.toString('latin1', 0, end));
    if (lit >= 0) {
      r.nLits++;
      this.litLeft = lit;
      return;
    }
    this.resp = null;
    this.dispatch(r);
  }

  dispatch(r) {
    const text = r.text ? r.text.join('') : r.head;
    if (this.waitGreeting) {
      const w = this.waitGreeting;
      this.waitGreeting = null;
      this.greeting = text;
      const m = /\[CAPABILITY ([^\]]+)\]/i.exec(text);
      if (m) this.setCaps(m[1]);
      if (/^\* (OK|PREAUTH)\b/i.test(text)) w.resolve(); else w.reject(new Error(`greeting: ${text.slice(0, 200)}`));
      return;
    }
    if (r.head.startsWith('+')) {
      const w = this.waitContinue;
      this.waitContinue = null;
      if (w) w.resolve(text);
      return;
    }
    const p = this.pending;
    if (!p) return;
    const res = p.res;
    if (r.head.startsWith('* ')) {
      res.untagged++;
      res.literalBytes += r.litBytes;
      if (/^\* \d+ FETCH\b/i.test(r.head)) {
        res.fetches++;
        res.literals += r.nLits;
      } else if (r.text) {
        let m;
        if ((m = /^\* (\d+) EXISTS/i.exec(text))) res.exists = Number(m[1]);
        else if (/^\* SEARCH\b/i.test(text)) res.search = text.slice(8).trim().split(/\s+/).filter(Boolean).map(Number);
        else if ((m = /^\* CAPABILITY (.*)$/i.exec(text))) this.setCaps(m[1]);
      }
      if (p.collect) res.lines.push(text);
      if (p.keepLiterals) res.items.push({ text, lits: r.lits });
      return;
    }
    if (r.head.startsWith(p.tag + ' ')) {
      res.ms = nowMs() - p.t0;
      const m = /^\S+ (OK|NO|BAD)\b ?(.*)$/i.exec(text);
      res.status = m ? m[1].toUpperCase() : 'BAD';
      res.text = m ? m[2] : text;
      const c = /\[CAPABILITY ([^\]]+)\]/i.exec(text);
      if (c) this.setCaps(c[1]);
      this.pending = null;
      clearTimeout(p.timer);
      p.resolve(res);
    }
  }

  setCaps(s) { this.caps = new Set(s.trim().toUpperCase().split(/\s+/)); }

  /**
   * Sends one command and resolves when its tagged response is in:
   * { status, text, ms, untagged, fetches, literals, literalBytes, exists?, search?, lines[], items[] }.
   * opts: collect (keep every untagged line's text), keepLiterals (keep literal bytes per response),
   * literal (a Buffer sent as the command's final literal: LITERAL+ when offered), timeoutMs.
   */
  command(text, opts = {}) {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('a command is already in flight'));
    const tag = `b${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.socket.destroy(); reject(new Error(`timeout after ${opts.timeoutMs ?? this.timeoutMs} ms: ${text.slice(0, 60)}`)); }, opts.timeoutMs ?? this.timeoutMs);
      const p = {
        tag, collect: !!opts.collect, keepLiterals: !!opts.keepLiterals, resolve, reject, timer, t0: 0,
        res: { status: null, text: '', ms: null, untagged: 0, fetches: 0, literals: 0, literalBytes: 0, lines: [], items: [] },
      };
      this.pending = p;
      if (!opts.literal) {
        p.t0 = nowMs();
        this.socket.write(`${tag} ${text}\r\n`);
      } else if (this.caps.has('LITERAL+')) {
        p.t0 = nowMs();
        this.socket.write(Buffer.concat([Buffer.from(`${tag} ${text} {${opts.literal.length}+}\r\n`, 'latin1'), opts.literal, Buffer.from('\r\n')]));
      } else {
        const cont = new Promise((res, rej) => { this.waitContinue = { resolve: res, reject: rej }; });
        p.t0 = nowMs();
        this.socket.write(`${tag} ${text} {${opts.literal.length}}\r\n`);
        cont.then(() => this.socket.write(Buffer.concat([opts.literal, Buffer.from('\r\n')])), () => undefined);
      }
    });
  }

  /** command(), but a NO/BAD is an error. */
  async ok(text, opts) {
    const r = await this.command(text, opts);
    if (r.status !== 'OK') throw new Error(`${text.split(' ').slice(0, 2).join(' ')}: ${r.status} ${r.text}`.slice(0, 300));
    return r;
  }

  login(user, pass) { return this.ok(`LOGIN ${quote(user)} ${quote(pass)}`); }

  /** LOGOUT and close; resolves the LOGOUT result (or null when the connection was already gone). */
  async logout() {
    let r = null;
    try { if (!this.failure) r = await this.command('LOGOUT', { timeoutMs: 10_000 }); } catch { /* closed */ }
    this.socket.destroy();
    return r;
  }

  destroy() { this.socket.destroy(); }
}
