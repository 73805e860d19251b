// The temp file an APPEND literal streams into: complete and fsynced with its MIME analysis, or,
// when the file cannot be written (disk full, folder gone), a failure APPEND can answer with NO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppendSink } from '../../../src-main/imap/append-sink';
import { tempDir } from '../../helpers/temp-dir';

test('a literal is written whole, and its analysis comes with it', async () => {
  const tmp = tempDir();
  try {
    const path = join(tmp.path, 'm.tmp');
    const sink = new AppendSink(path, () => undefined);
    const msg = Buffer.from('Subject: hola\r\nFrom: a@b.test\r\n\r\ncuerpo\r\n');
    for (let i = 0; i < msg.length; i += 7) sink.write(msg.subarray(i, i + 7));
    sink.end();
    const done = await sink.done();
    assert.deepEqual(readFileSync(path), msg);
    assert.equal(done.size, msg.length);
    assert.equal(done.analysis?.envelope.subject, 'hola');
  } finally {
    tmp.remove();
  }
});

test('a file that cannot be written fails done() instead of hanging, and releases the socket', async () => {
  const tmp = tempDir();
  try {
    const path = join(tmp.path, 'no-such-folder', 'm.tmp');
    const pressure: boolean[] = [];
    const sink = new AppendSink(path, (p) => pressure.push(p));
    sink.write(Buffer.alloc(100_000, 0x61));
    await new Promise((r) => setTimeout(r, 50)); // let the open fail first, as a full disk would
    sink.write(Buffer.from('more'));
    sink.end();
    await assert.rejects(sink.done(), /ENOENT/);
    assert.equal(pressure.at(-1), false, 'the socket is never left paused');
    assert.equal(existsSync(path), false);
  } finally {
    tmp.remove();
  }
});
