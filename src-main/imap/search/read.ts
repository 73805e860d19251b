// Reading message files for SEARCH. The asynchronous reader uses the callback fs API: for
// thousands of small files it is several times faster than fs/promises (whose FileHandle costs
// more than the read itself). The synchronous one is cheaper still (no thread-pool round trips:
// open, read, close are three plain system calls); evaluate.ts uses it in short time slices.
import { close, closeSync, open, openSync, read, readSync } from 'node:fs';

/** Header blocks are read in pieces of this size, up to HEADER_MAX bytes. */
const HEADER_CHUNK = 16 * 1024;
const HEADER_MAX = 1024 * 1024;

function openFile(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

function readAt(fd: number, buf: Buffer, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, offset, buf.length - offset, position, (err, n) => (err ? reject(err) : resolve(n))));
}

function closeFile(fd: number): void {
  close(fd, () => {});
}

/** Whether buf[from..] holds the blank line that ends a header (or buf starts with one). */
function hasHeaderEnd(buf: Buffer, from: number): boolean {
  if (buf[0] === 0x0a || (buf[0] === 0x0d && buf[1] === 0x0a)) return true;
  return buf.indexOf('\n\n', from) >= 0 || buf.indexOf('\n\r\n', from) >= 0;
}

/**
 * Reads a file. sizeHint (the expected size, 0 when unknown) sizes the first read so that a file
 * of that size takes one read; a larger one is read on, growing the buffer. With headerOnly, stops
 * once the header block (up to its blank line) is in, or at HEADER_MAX bytes. complete tells
 * whether the bytes are the whole file.
 */
export async function readMessageFile(path: string, sizeHint: number, headerOnly: boolean): Promise<{ bytes: Buffer; complete: boolean }> {
  const fd = await openFile(path);
  try {
    let buf = Buffer.allocUnsafe(headerOnly ? HEADER_CHUNK : Math.max(sizeHint + 1, 4096));
    let total = 0;
    for (;;) {
      const want = buf.length - total;
      const n = await readAt(fd, buf, total, total);
      if (n === 0) return { bytes: buf.subarray(0, total), complete: true };
      const from = Math.max(0, total - 3);
      total += n;
      // A regular file reads short only at its end: no need for one more read to see 0 bytes.
      if (n < want) return { bytes: buf.subarray(0, total), complete: true };
      if (headerOnly && (hasHeaderEnd(buf.subarray(0, total), from) || total >= HEADER_MAX)) return { bytes: buf.subarray(0, total), complete: false };
      const bigger = Buffer.allocUnsafe(headerOnly ? Math.min(buf.length * 2, HEADER_MAX) : buf.length * 2);
      buf.copy(bigger, 0, 0, total);
      buf = bigger;
    }
  } finally {
    closeFile(fd);
  }
}

/** readMessageFile, synchronously: for small files on local disks, where it is much cheaper. */
export function readMessageFileSync(path: string, sizeHint: number, headerOnly: boolean): { bytes: Buffer; complete: boolean } {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(headerOnly ? HEADER_CHUNK : Math.max(sizeHint + 1, 4096));
    let total = 0;
    for (;;) {
      const want = buf.length - total;
      const n = readSync(fd, buf, total, want, total);
      if (n === 0) return { bytes: buf.subarray(0, total), complete: true };
      const from = Math.max(0, total - 3);
      total += n;
      if (n < want) return { bytes: buf.subarray(0, total), complete: true };
      if (headerOnly && (hasHeaderEnd(buf.subarray(0, total), from) || total >= HEADER_MAX)) return { bytes: buf.subarray(0, total), complete: false };
      const bigger = Buffer.allocUnsafe(headerOnly ? Math.min(buf.length * 2, HEADER_MAX) : buf.length * 2);
      buf.copy(bigger, 0, 0, total);
      buf = bigger;
    }
  } finally {
    closeSync(fd);
  }
}
