// RFC 1939 §3 byte-stuffing of a multi-line response: a line that starts with "." gets another
// "." in front. Works across chunk boundaries; chunks without a dot at a line start pass through
// without a copy.
import { Transform, type TransformCallback } from 'node:stream';

export class DotStuffer extends Transform {
  private atLineStart = true;
  /** Bytes that went out, and whether the last one ended a line. */
  lastByte = 0x0a;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) return cb();
    const out = stuff(chunk, this.atLineStart);
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    this.lastByte = chunk[chunk.length - 1]!;
    cb(null, out);
  }
}

export function stuff(chunk: Buffer, atLineStart: boolean): Buffer {
  const positions: number[] = [];
  if (atLineStart && chunk[0] === 0x2e) positions.push(0);
  for (let i = chunk.indexOf(0x0a); i !== -1 && i + 1 < chunk.length; i = chunk.indexOf(0x0a, i + 1)) {
    if (chunk[i + 1] === 0x2e) positions.push(i + 1);
  }
  if (positions.length === 0) return chunk;
  const out = Buffer.allocUnsafe(chunk.length + positions.length);
  let from = 0;
  let o = 0;
  for (const p of positions) {
    o += chunk.copy(out, o, from, p);
    out[o++] = 0x2e;
    from = p;
  }
  chunk.copy(out, o, from);
  return out;
}
