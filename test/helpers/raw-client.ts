// A client on a raw socket (plain, implicit TLS, or upgraded in place) that keeps the bytes as
// they come, for the line protocols whose tests compare bytes (POP3 RETR, IMAP BODY[]). The
// protocol kits extend it with their command and response shapes. Every wait has a deadline.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export class RawClient {
  private data = Buffer.alloc(64 * 1024);
  private start = 0;
  private end = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  socket: Socket | TLSSocket;

  protected constructor(
    socket: Socket | TLSSocket,
    /** How write() turns strings into bytes. */
    private readonly encoding: BufferEncoding,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  /** A plain connection, or an implicit-TLS one (accepting the self-signed certificate). */
  protected static connectSocket(port: number, opts: { tls?: boolean } = {}): Promise<Socket | TLSSocket> {
    return new Promise((resolve, reject) => {
      const s: Socket | TLSSocket = opts.tls
        ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost' }, () => resolve(s))
        : connect(port, '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.on('data', (d: Buffer) => {
      this.append(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  private append(d: Buffer): void {
    if (this.end + d.length > this.data.length) {
      const live = this.end - this.start;
      const size = Math.max(this.data.length, (live + d.length) * 2);
      const next = size === this.data.length ? this.data : Buffer.alloc(size);
      this.data.copy(next, 0, this.start, this.end);
      this.data = next;
      this.start = 0;
      this.end = live;
    }
    d.copy(this.data, this.end);
    this.end += d.length;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Until more bytes come or the connection closes; throws at the deadline or when closed. */
  private async wait(deadline: number, what: string): Promise<void> {
    const pending = JSON.stringify(this.data.subarray(this.start, Math.min(this.end, this.start + 300)).toString('latin1'));
    if (this.closed) throw new Error(`connection closed while waiting for ${what} (pending: ${pending})`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timeout waiting for ${what} (pending: ${pending})`);
    await this.nextEvent(left);
  }

  private nextEvent(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  /** Upgrades to TLS on the same socket (after the server's yes to STLS / STARTTLS). */
  async startTls(): Promise<TLSSocket> {
    assert.equal(this.end - this.start, 0, 'nothing pending before the TLS handshake');
    const raw = this.socket as Socket;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    return new Promise<TLSSocket>((resolve, reject) => {
      const t = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' }, () => resolve(t));
      t.once('error', reject);
      this.socket = t;
      this.attach(t);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, this.encoding) : data);
  }

  send(line: string): void {
    this.write(line + '\r\n');
  }

  /** Exactly n bytes. */
  protected async bytes(n: number, deadline: number): Promise<Buffer> {
    while (this.end - this.start < n) await this.wait(deadline, `${n} bytes`);
    const b = Buffer.from(this.data.subarray(this.start, this.start + n));
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
    return b;
  }

  /** The next line with its line end (raw bytes). */
  async rawLine(timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.data.indexOf(0x0a, this.start);
      if (i >= 0 && i < this.end) return this.bytes(i + 1 - this.start, deadline);
      await this.wait(deadline, 'a line');
    }
  }

  /** The next line as text (latin1, one char per byte), without its line end. */
  async line(timeoutMs?: number): Promise<string> {
    return (await this.rawLine(timeoutMs)).toString('latin1').replace(/\r?\n$/, '');
  }

  /** Resolves true when the server has closed the connection (false at the deadline). */
  async closedByServer(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await this.nextEvent(deadline - Date.now());
    return this.closed;
  }

  /** Bytes waiting that no read has taken yet. */
  get pending(): number {
    return this.end - this.start;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
