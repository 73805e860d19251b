// Where a large APPEND literal goes while it arrives: straight into a temp file in DATA/tmp (never
// whole in memory), and through the MIME analyser at the same time, so that ENVELOPE and
// BODYSTRUCTURE are known when the command completes. done() resolves once the file is fsynced;
// the APPEND command then renames it into the mailbox folder and indexes it.
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { LiteralSink } from './protocol/tokens';
import { MimeAnalyzer, type MessageAnalysis } from './mime';

export class AppendSink implements LiteralSink {
  private readonly ws: WriteStream;
  private readonly analyzer = new MimeAnalyzer();
  private finished: Promise<void> | undefined;
  private failed: Error | undefined;
  size = 0;

  constructor(
    readonly path: string,
    private readonly pressure: (pause: boolean) => void,
  ) {
    this.ws = createWriteStream(path, { flags: 'wx' });
    this.ws.on('error', (e) => {
      this.failed ??= e;
      // The stream is dead: never leave the socket paused waiting for its 'drain'.
      this.pressure(false);
    });
    this.ws.on('drain', () => this.pressure(false));
  }

  write(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.failed) return;
    this.analyzer.write(chunk);
    if (!this.ws.write(chunk)) this.pressure(true);
  }

  end(): void {
    this.ws.end();
    // finished() settles on 'finish' or on an error, even one that came before end() (then
    // 'finish' never fires): APPEND answers NO instead of waiting forever.
    this.finished = finished(this.ws).then(async () => {
      if (this.failed) throw this.failed;
      const h = await open(this.path, 'r+');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    });
    this.finished.catch(() => undefined);
  }

  abort(): void {
    this.failed ??= new Error('aborted');
    this.ws.destroy();
    this.pressure(false);
    void rm(this.path, { force: true });
  }

  /** The file is complete and durable; with its MIME analysis (null if the analyser failed). */
  async done(): Promise<{ path: string; size: number; analysis: MessageAnalysis | null }> {
    if (!this.finished) throw new Error('literal not complete');
    await this.finished;
    const analysis = await this.analyzer.end().catch(() => null);
    return { path: this.path, size: this.size, analysis };
  }
}
