// A raw-socket line client for protocol tests: send lines as a person at telnet would, and read
// replies. `reply()` reads one whole SMTP reply (all its "250-" lines up to the "250 " line).
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export class LineClient {
  private buf = '';
  private waiters: (() => void)[] = [];
  private closed = false;
  socket: Socket | TLSSocket;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
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

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  /** Upgrades to TLS (after STARTTLS), accepting the self-signed certificate. */
  /** Upgrades to TLS (after STARTTLS/STLS); resolves with the TLS socket (for its peer certificate). */
  async startTls(servername = 'localhost'): Promise<TLSSocket> {
    const raw = this.socket as Socket;
    raw.removeAllListeners('data');
    return await new Promise<TLSSocket>((resolve, reject) => {
      const t = tlsConnect({ socket: raw, rejectUnauthorized: false, servername }, () => resolve(t));
      t.once('error', reject);
      this.socket = t;
      this.attach(t);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** Next line (without CRLF). */
  async line(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf('\n');
      if (i >= 0) {
        const l = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        return l;
      }
      if (this.closed) throw new Error(`connection closed (pending: ${JSON.stringify(this.buf)})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for a line (pending: ${JSON.stringify(this.buf)})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** One whole SMTP reply: its lines, and the code of the last one. */
  async reply(timeoutMs?: number): Promise<{ code: number; lines: string[]; text: string }> {
    const lines: string[] = [];
    for (;;) {
      const l = await this.line(timeoutMs);
      lines.push(l);
      if (/^\d{3} /.test(l) || /^\d{3}$/.test(l)) return { code: Number(l.slice(0, 3)), lines, text: lines.join('\n') };
      if (!/^\d{3}-/.test(l)) return { code: NaN, lines, text: lines.join('\n') };
    }
  }

  /** Sends a line and returns the reply. */
  async cmd(line: string): Promise<{ code: number; lines: string[]; text: string }> {
    this.send(line);
    return this.reply();
  }

  /** Resolves when the server has closed the connection. */
  async closedByServer(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
