// Splits a POP3 client's bytes into command lines (CRLF or bare LF). A line longer than the limit
// is not buffered: it is reported once as `overflow` and its bytes are dropped up to the next line
// end, so a 100 KB line costs no memory and the session goes on.

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A command line's text: UTF-8 when its bytes are valid UTF-8 (what current clients, Python's
 * poplib among them, send for a non-ASCII user name or password; accounts and passwords are
 * Unicode), Latin-1 otherwise (older clients' 8-bit text). The line limit counts raw bytes.
 */
function decodeLine(bytes: string): string {
  if (!/[\x80-\xff]/.test(bytes)) return bytes;
  try {
    return UTF8.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return bytes;
  }
}

export interface LineSink {
  line(text: string): void;
  overflow(): void;
}

export class LineReader {
  private buf = '';
  private dropping = false;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLength: number,
  ) {}

  push(chunk: Buffer): void {
    let data = this.buf + chunk.toString('latin1');
    this.buf = '';
    for (;;) {
      const nl = data.indexOf('\n');
      if (nl < 0) break;
      const raw = data.slice(0, nl);
      data = data.slice(nl + 1);
      if (this.dropping) {
        this.dropping = false;
        continue;
      }
      if (raw.length > this.maxLength) {
        this.sink.overflow();
        continue;
      }
      this.sink.line(decodeLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw));
    }
    if (this.dropping) return;
    if (data.length > this.maxLength) {
      this.dropping = true;
      this.sink.overflow();
      return;
    }
    this.buf = data;
  }
}
