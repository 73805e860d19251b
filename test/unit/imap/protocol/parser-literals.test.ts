// Literals: when the reader asks for "+ Ready", which literals become strings, Buffers or sinks,
// and that a large APPEND streams through in the pieces it arrived in, never joined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { CommandReader, MemoryLiteralSink, type ImapCommand, type LiteralRequest } from '../../../../src-main/imap/protocol/parser';
import type { LiteralSink } from '../../../../src-main/imap/protocol/tokens';
import { CHUNKINGS, chunkName, makeReader, run, split, type Event } from './reader-harness';

test('{n} asks for a continuation before its bytes; {n+} does not', () => {
  const events: Event[] = [];
  const reader = makeReader(events);
  reader.push(Buffer.from('A1 LOGIN {4}\r\n'));
  assert.deepEqual(events, [{ continuation: 4 }], 'asked as soon as the header line is in');
  reader.push(Buffer.from('user {4+}\r\n'));
  assert.deepEqual(events, [{ continuation: 4 }], 'no continuation for LITERAL+');
  reader.push(Buffer.from('pass\r\n'));
  assert.deepEqual(events, [{ continuation: 4 }, { command: 'LOGIN', tag: 'A1', args: [{ lit: 'user' }, { lit: 'pass' }] }]);
});

test('the continuation request says which command, tag and arguments it is for', () => {
  const requests: LiteralRequest[] = [];
  const reader = new CommandReader({ onCommand: () => {}, onError: () => {}, onContinuation: (r) => requests.push(r) });
  reader.push(Buffer.from('A9 APPEND "Sent" (\\Seen) {3}\r\n'));
  assert.equal(requests.length, 1);
  const r = requests[0]!;
  assert.equal(r.tag, 'A9');
  assert.equal(r.command, 'APPEND');
  assert.equal(r.size, 3);
  assert.equal(r.nonSynchronizing, false);
  assert.deepEqual(
    r.args.map((t) => t.type),
    ['string', 'list'],
  );
});

test('literal size tiers: string up to 4 KB, Buffer up to 64 KB, sink above', () => {
  const sizes = [4096, 4097, 65536, 65537];
  let input = 'A1 X';
  for (const n of sizes) input += ` {${n}+}\r\n${'x'.repeat(n)}`;
  input += '\r\n';
  for (const chunking of CHUNKINGS.filter((c) => c !== 'bytes')) {
    const commands: ImapCommand[] = [];
    const reader = new CommandReader({ onCommand: (c) => commands.push(c), onError: (e) => assert.fail(e.message), onContinuation: () => {} });
    for (const chunk of split(Buffer.from(input), chunking)) reader.push(chunk);
    const args = commands[0]!.args;
    assert.deepEqual(
      args.map((t) => t.type),
      ['string', 'literal', 'literal', 'stream'],
    );
    const last = args[3]!;
    assert.ok(last.type === 'stream' && last.sink instanceof MemoryLiteralSink, 'without onLiteral, large literals land in a MemoryLiteralSink');
    assert.equal(last.sink.toBuffer().toString(), 'x'.repeat(65537));
    assert.deepEqual(commands[0]!.sinks, [last.sink]);
  }
});

test('the size tiers are options', () => {
  const events = run('A1 X {3+}\r\nabc {5+}\r\nhello\r\n', 'whole', { smallLiteral: 3, maxInlineLiteral: 4 });
  assert.deepEqual(events, [{ command: 'X', tag: 'A1', args: [{ lit: 'abc' }, { stream: 5 }] }]);
});

class MeasuringSink implements LiteralSink {
  largestWrite = 0;
  writes = 0;
  bytes = 0;
  ended = false;
  aborted = false;
  readonly hash = createHash('sha256');
  write(chunk: Buffer): void {
    this.writes++;
    this.bytes += chunk.length;
    this.largestWrite = Math.max(this.largestWrite, chunk.length);
    this.hash.update(chunk);
  }
  end(): void {
    this.ended = true;
  }
  abort(): void {
    this.aborted = true;
  }
}

/** Runs fn while recording the size of every Buffer or string built by concat/alloc/from/toString/TextDecoder. */
function largestAllocation(fn: () => void): number {
  let largest = 0;
  const note = (n: number) => {
    largest = Math.max(largest, n);
  };
  const concat = Buffer.concat;
  const allocUnsafe = Buffer.allocUnsafe;
  const alloc = Buffer.alloc;
  const from = Buffer.from;
  const toString = Buffer.prototype.toString;
  const decode = TextDecoder.prototype.decode;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const r = concat(list, total);
    note(r.length);
    return r;
  }) as typeof Buffer.concat;
  Buffer.allocUnsafe = ((n: number) => {
    note(n);
    return allocUnsafe(n);
  }) as typeof Buffer.allocUnsafe;
  Buffer.alloc = ((...a: Parameters<typeof Buffer.alloc>) => {
    note(a[0]);
    return alloc(...a);
  }) as typeof Buffer.alloc;
  Buffer.from = ((...a: unknown[]) => {
    const r = (from as (...x: unknown[]) => Buffer)(...a);
    note(r.length);
    return r;
  }) as typeof Buffer.from;
  Buffer.prototype.toString = function (this: Buffer, ...a: unknown[]) {
    const r = (toString as (...x: unknown[]) => string).apply(this, a);
    note(r.length);
    return r;
  } as typeof Buffer.prototype.toString;
  TextDecoder.prototype.decode = function (this: InstanceType<typeof TextDecoder>, ...a: Parameters<InstanceType<typeof TextDecoder>['decode']>) {
    const r = decode.apply(this, a);
    note(r.length);
    return r;
  };
  try {
    fn();
  } finally {
    Buffer.concat = concat;
    Buffer.allocUnsafe = allocUnsafe;
    Buffer.alloc = alloc;
    Buffer.from = from;
    Buffer.prototype.toString = toString;
    TextDecoder.prototype.decode = decode;
  }
  return largest;
}

const MB5 = 5 * 1024 * 1024;
const CHUNK = 64 * 1024;

function bigMessage(): Buffer {
  const b = Buffer.alloc(MB5);
  for (let i = 0; i < b.length; i++) b[i] = i % 78 === 76 ? 0x0d : i % 78 === 77 ? 0x0a : 0x41 + (i % 26);
  return b;
}

for (const [label, header] of [
  ['LITERAL+', 'A2 APPEND "Sent" (\\Seen) "25-Nov-2026 10:00:00 +0000" {5242880+}\r\n'],
  ['synchronizing', 'A2 APPEND "Sent" (\\Seen) "25-Nov-2026 10:00:00 +0000" {5242880}\r\n'],
] as const) {
  test(`a 5 MB ${label} APPEND in 64 KB chunks: straight into the sink, nothing larger than a chunk is built`, () => {
    const msg = bigMessage();
    const sinks: MeasuringSink[] = [];
    const requests: LiteralRequest[] = [];
    const continuations: number[] = [];
    const commands: ImapCommand[] = [];
    const reader = new CommandReader(
      {
        onCommand: (c) => commands.push(c),
        onError: (e) => assert.fail(e.message),
        onContinuation: (r) => continuations.push(r.size),
        onLiteral: (r) => {
          requests.push(r);
          const s = new MeasuringSink();
          sinks.push(s);
          return s;
        },
      },
      { maxLiteralSize: 20 * 1024 * 1024 },
    );
    // the header and the data in separate writes, then the data again misaligned with the header
    const wire = Buffer.concat([Buffer.from(header), msg, Buffer.from('\r\n')]);
    const largest = largestAllocation(() => {
      for (let i = 0; i < wire.length; i += CHUNK) reader.push(wire.subarray(i, i + CHUNK));
    });
    assert.equal(commands.length, 1);
    assert.equal(sinks.length, 1);
    const sink = sinks[0]!;
    assert.equal(requests[0]!.size, MB5);
    assert.deepEqual(continuations, label === 'LITERAL+' ? [] : [MB5]);
    assert.equal(sink.bytes, MB5);
    assert.ok(sink.ended && !sink.aborted);
    assert.equal(sink.hash.digest('hex'), createHash('sha256').update(msg).digest('hex'), 'the sink got the message byte for byte');
    assert.ok(sink.largestWrite <= CHUNK, `largest write ${sink.largestWrite}`);
    assert.ok(sink.writes >= MB5 / CHUNK, 'written piece by piece');
    assert.ok(largest > 0 && largest <= CHUNK, `largest Buffer/string built while reading: ${largest} bytes`);
    assert.equal(largestAllocation(() => Buffer.concat([msg.subarray(0, 1), msg.subarray(1)])), MB5, 'control: the measurement sees a whole-message Buffer');
    const token = commands[0]!.args[3];
    assert.ok(token?.type === 'stream' && token.size === MB5 && token.sink === sink);
  });
}

test('the 5 MB literal arrives the same way in odd chunk sizes', () => {
  const msg = bigMessage();
  const wire = Buffer.concat([Buffer.from('A2 APPEND INBOX {5242880+}\r\n'), msg, Buffer.from('\r\nA3 NOOP\r\n')]);
  const sink = new MeasuringSink();
  const events: Event[] = [];
  const reader = makeReader(events, { onLiteral: () => sink, maxLiteralSize: MB5 });
  let seed = 9;
  for (let i = 0; i < wire.length; ) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % 100_000);
    reader.push(wire.subarray(i, i + n));
    i += n;
  }
  assert.deepEqual(events, [
    { command: 'APPEND', tag: 'A2', args: ['INBOX', { stream: MB5 }] },
    { command: 'NOOP', tag: 'A3', args: [] },
  ]);
  assert.equal(sink.hash.digest('hex'), createHash('sha256').update(msg).digest('hex'));
  assert.ok(sink.largestWrite <= 100_000);
});

test('a sink is aborted when its command fails after the literal', () => {
  for (const chunking of CHUNKINGS.filter((c) => c !== 'bytes')) {
    const sinks: MemoryLiteralSink[] = [];
    const onLiteral = () => {
      const s = new MemoryLiteralSink();
      sinks.push(s);
      return s;
    };
    const body = 'y'.repeat(70_000);
    const events = run(`A1 APPEND x {70000+}\r\n${body} "unterminated\r\nA2 NOOP\r\n`, chunking, { onLiteral });
    assert.deepEqual(events, [{ error: 'syntax', tag: 'A1', command: 'APPEND' }, { command: 'NOOP', tag: 'A2', args: [] }], chunkName(chunking));
    assert.equal(sinks.length, 1);
    assert.ok(sinks[0]!.ended && sinks[0]!.aborted);
  }
});

test('close() in the middle of a literal aborts its sink and ignores the rest', () => {
  const sink = new MemoryLiteralSink();
  const events: Event[] = [];
  const reader = makeReader(events, { onLiteral: () => sink });
  reader.push(Buffer.from('A1 APPEND x {100000+}\r\n' + 'z'.repeat(1000)));
  assert.equal(sink.chunks.length, 1);
  reader.close();
  assert.ok(sink.aborted && !sink.ended);
  reader.push(Buffer.from('z'.repeat(99_000) + '\r\nA2 NOOP\r\n'));
  assert.deepEqual(events, []);
});

test('the owner may close the reader from inside a sink (disk full)', () => {
  const events: Event[] = [];
  let aborted = 0;
  const reader = makeReader(events, {
    onLiteral: () => ({
      write: () => reader.close(),
      end: () => assert.fail('no end after close'),
      abort: () => aborted++,
    }),
  });
  reader.push(Buffer.from(`A1 APPEND x {70000+}\r\n${'q'.repeat(70000)}\r\nA2 NOOP\r\n`));
  assert.deepEqual(events, []);
  assert.equal(aborted, 1);
});

test('a refused literal: {n} is not asked for; {n+} bytes are skipped, never read as commands', () => {
  const onLiteral = () => null;
  const big = 'A9 LOGOUT\r\n'.repeat(7000); // 77000 bytes that look like commands
  assert.deepEqual(run('A1 APPEND nosuch {77000}\r\nA2 NOOP\r\n', 'whole', { onLiteral }), [
    { error: 'literal-refused', tag: 'A1', command: 'APPEND' },
    { command: 'NOOP', tag: 'A2', args: [] },
  ]);
  for (const chunking of CHUNKINGS.filter((c) => c !== 'bytes')) {
    assert.deepEqual(
      run(`A1 APPEND nosuch {77000+}\r\n${big} {3+}\r\nA9X\r\nA2 NOOP\r\n`, chunking, { onLiteral }),
      [
        { error: 'literal-refused', tag: 'A1', command: 'APPEND' },
        { command: 'NOOP', tag: 'A2', args: [] },
      ],
      chunkName(chunking),
    );
  }
});

test('a sink sees write() pieces then end(), before the command is handed out', () => {
  const order: string[] = [];
  const sink: LiteralSink = {
    write: (c) => order.push(`write ${c.length}`),
    end: () => order.push('end'),
    abort: () => order.push('abort'),
  };
  const reader = new CommandReader({
    onCommand: (c) => order.push(`command ${c.command}`),
    onError: (e) => order.push(`error ${e.code}`),
    onContinuation: () => order.push('continuation'),
    onLiteral: () => {
      order.push('open');
      return sink;
    },
  });
  reader.push(Buffer.from('A1 APPEND x {70000}\r\n'));
  reader.push(Buffer.alloc(30000, 0x61));
  reader.push(Buffer.concat([Buffer.alloc(40000, 0x61), Buffer.from(' extra\r\n')]));
  assert.deepEqual(order, ['open', 'continuation', 'write 30000', 'write 40000', 'end', 'command APPEND']);
});
