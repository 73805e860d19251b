// Message files. Invariants:
//   - A body is written under DATA/tmp, fsynced, then renamed to its final name (same file system,
//     so the rename is atomic) and the folder is fsynced; only then is it indexed. A reader never
//     sees a half-written final file, and a crash leaves at most files in DATA/tmp, which start-up
//     removes.
//   - One incoming stream is written once to every destination at the same time (a "tee"), each
//     with its own header prefix (Delivered-To differs per mailbox), so the SMTP data is read once
//     and never held whole in memory.
//   - Final names never change; the index stores them relative to DATA.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';

const IS_WINDOWS = process.platform === 'win32';
const FLUSH_BYTES = 256 * 1024;

export interface FanoutTarget {
  /** Path relative to DATA of the final file. */
  readonly rel: string;
  /** Bytes written before the stream (trace headers). */
  readonly prefix: Buffer;
}

export interface FanoutResult {
  /** Bytes read from the source stream. */
  readonly bodyBytes: number;
  /** Size of each final file, in target order. */
  readonly sizes: number[];
}

let seq = 0;
/** A unique, sortable file name: time, a process counter and randomness. */
export function newMessageName(now = Date.now()): string {
  seq = (seq + 1) % 0xffffff;
  return `${now.toString(36)}-${seq.toString(36).padStart(4, '0')}-${randomBytes(5).toString('hex')}`;
}

/** Folder-safe form of a local part ("teachers open them": keep it readable when possible). */
export function safeSegment(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '_');
  return clean.length ? clean.slice(0, 100) : '_';
}

export class MessageFiles {
  readonly tmpDir: string;
  private readonly knownDirs = new Set<string>();

  constructor(readonly dataDir: string) {
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  abs(rel: string): string {
    return join(this.dataDir, rel);
  }

  /**
   * Streams `source` into every target's temp file, then fsyncs, renames and fsyncs the folders.
   * If the source errors or `shouldCommit(bodyBytes)` says no (size exceeded), every temp file is removed and
   * nothing reaches its final name. `shouldCommit` is also asked as the data arrives (so once it
   * says no, it must keep saying no): from its first no, the rest of the source is read and
   * counted but not written, so a message far over a limit does not fill the disk with copies
   * that are going to be thrown away.
   */
  async writeFanout(
    source: Readable,
    targets: readonly FanoutTarget[],
    shouldCommit: (bodyBytes: number, final: boolean) => boolean = () => true,
    /** Sees every chunk of the source as it is read (the MIME analyser tees here). */
    observe?: (chunk: Buffer) => void,
  ): Promise<FanoutResult | undefined> {
    const tmpNames = targets.map(() => join(this.tmpDir, newMessageName() + '.tmp'));
    const handles: FileHandle[] = [];
    let bodyBytes = 0;
    let committed = false;
    try {
      for (const t of tmpNames) handles.push(await open(t, 'wx'));
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      // Each file's own prefix goes out with its first write: a small message is one write.
      let prefixed = false;
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0 && prefixed) return;
        const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        const first = !prefixed;
        prefixed = true;
        await Promise.all(handles.map((h, i) => writeAll(h, first ? Buffer.concat([targets[i]!.prefix, data]) : data)));
      };
      let refused = false;
      for await (const chunk of source) {
        const buf = chunk as Buffer;
        bodyBytes += buf.length;
        if (refused) continue;
        observe?.(buf);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= FLUSH_BYTES) {
          if (!shouldCommit(bodyBytes, false)) {
            refused = true;
            pending = [];
            pendingBytes = 0;
            prefixed = true;
            await Promise.all(handles.map((h) => h.truncate(0)));
            continue;
          }
          await flush();
        }
      }
      if (refused || !shouldCommit(bodyBytes, true)) return undefined;
      await flush();
      await Promise.all(handles.map((h) => h.sync()));
      await Promise.all(handles.map((h) => h.close()));
      handles.length = 0;
      const dirs = new Set<string>();
      for (let i = 0; i < targets.length; i++) {
        const finalPath = this.abs(targets[i]!.rel);
        const dir = dirname(finalPath);
        await this.ensureDir(dir);
        await rename(tmpNames[i]!, finalPath);
        dirs.add(dir);
      }
      committed = true;
      await Promise.all([...dirs].map((d) => fsyncDir(d)));
      return { bodyBytes, sizes: targets.map((t) => t.prefix.length + bodyBytes) };
    } finally {
      await Promise.all(handles.map((h) => h.close().catch(() => undefined)));
      if (!committed) await Promise.all(tmpNames.map((t) => rm(t, { force: true })));
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    // The new folder's own entry must be durable too.
    await fsyncDir(dirname(dir));
    this.knownDirs.add(dir);
  }

  /** A fresh path in DATA/tmp (removed at start-up if left behind). */
  tmpPath(): string {
    return join(this.tmpDir, newMessageName() + '.tmp');
  }

  async ensureDirOf(path: string): Promise<void> {
    await this.ensureDir(dirname(path));
  }

  async fsyncFile(path: string): Promise<void> {
    const h = await open(path, 'r+');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  }

  fsyncDirectory(dir: string): Promise<void> {
    return fsyncDir(dir);
  }

  /** Moves a complete, fsynced temp file to its final name and makes the rename durable. */
  async commitTmp(tmp: string, rel: string): Promise<void> {
    const finalPath = this.abs(rel);
    await this.ensureDir(dirname(finalPath));
    await rename(tmp, finalPath);
    await fsyncDir(dirname(finalPath));
  }

  async remove(rel: string): Promise<void> {
    await rm(this.abs(rel), { force: true });
  }

  /** Start-up: temp files are leftovers of interrupted writes, never acknowledged. */
  async cleanTmp(): Promise<number> {
    let n = 0;
    for (const f of await readdir(this.tmpDir)) {
      await rm(join(this.tmpDir, f), { force: true });
      n++;
    }
    return n;
  }

  /** Every .eml under `relDir` (relative to DATA), as relative paths with '/' separators. */
  async listEml(relDir: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(this.abs(rel), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const child = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(child);
        else if (e.name.endsWith('.eml')) out.push(child.split(sep).join('/'));
      }
    };
    await walk(relDir);
    return out;
  }
}

async function writeAll(h: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await h.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

/** Makes a rename or create in `dir` durable. Windows cannot open folders; NTFS journals them. */
async function fsyncDir(dir: string): Promise<void> {
  if (IS_WINDOWS) return;
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
