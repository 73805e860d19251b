// The analysis as compact JSON for a TEXT column of the index. Format 1:
//   [1, envelope, part]
//   envelope = [date, subject, from, sender, replyTo, to, cc, bcc, inReplyTo, messageId]
//              (trailing nulls dropped; an address list is [[name, mailbox, host], …] or null)
//   part     = [headerStart, headerLength, bodyStart, bodyLength, lines, "type/subtype",
//               [param, value, …], encoding, extra?, sub?]
//   extra    = 0 or { i: id, d: description, m: md5, p: [disposition, [param, value, …]],
//                     l: [language…], o: location } with absent keys left out
//   sub      = [part, …] for a multipart, [envelope, part] (an object {e, r}) for a message
// size is bodyLength.
import type { Address, Envelope, MessageAnalysis, PartInfo } from './structure';

const VERSION = 1;

type Json = null | string | number | Json[] | { [k: string]: Json };

function flat(params: readonly [string, string][]): string[] {
  const out: string[] = [];
  for (const [k, v] of params) out.push(k, v);
  return out;
}

function pairs(v: unknown): [string, string][] {
  if (!Array.isArray(v)) throw new TypeError('analysis: bad parameter list');
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < v.length; i += 2) out.push([String(v[i]), String(v[i + 1])]);
  return out;
}

function trimNulls(a: Json[]): Json[] {
  let n = a.length;
  while (n > 0 && a[n - 1] === null) n--;
  return a.slice(0, n);
}

function addresses(list: Address[] | null): Json {
  return list ? list.map((a) => trimNulls([a.name, a.mailbox, a.host])) : null;
}

function envelopeJson(e: Envelope): Json {
  return trimNulls([
    e.date,
    e.subject,
    addresses(e.from),
    addresses(e.sender),
    addresses(e.replyTo),
    addresses(e.to),
    addresses(e.cc),
    addresses(e.bcc),
    e.inReplyTo,
    e.messageId,
  ]);
}

function partJson(p: PartInfo): Json {
  const out: Json[] = [p.headerStart, p.headerLength, p.bodyStart, p.bodyLength, p.lines, `${p.type}/${p.subtype}`, flat(p.params), p.encoding];
  const extra: { [k: string]: Json } = {};
  let hasExtra = false;
  const set = (k: string, v: Json | undefined) => {
    if (v === null || v === undefined) return;
    extra[k] = v;
    hasExtra = true;
  };
  set('i', p.id);
  set('d', p.description);
  set('m', p.md5);
  set('p', p.disposition ? [p.disposition.type, flat(p.disposition.params)] : null);
  set('l', p.language);
  set('o', p.location);
  let sub: Json | undefined;
  if (p.children) sub = p.children.map(partJson);
  else if (p.message) sub = { e: envelopeJson(p.message.envelope), r: partJson(p.message.root) };
  if (hasExtra || sub !== undefined) out.push(hasExtra ? extra : 0);
  if (sub !== undefined) out.push(sub);
  return out;
}

export function serializeAnalysis(a: MessageAnalysis): string {
  return JSON.stringify([VERSION, envelopeJson(a.envelope), partJson(a.root)]);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function addressesFrom(v: unknown): Address[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new TypeError('analysis: bad address list');
  return v.map((a: unknown) => {
    const x = Array.isArray(a) ? a : [];
    return { name: str(x[0]), mailbox: str(x[1]), host: str(x[2]) };
  });
}

function envelopeFrom(v: unknown): Envelope {
  if (!Array.isArray(v)) throw new TypeError('analysis: bad envelope');
  return {
    date: str(v[0]),
    subject: str(v[1]),
    from: addressesFrom(v[2]),
    sender: addressesFrom(v[3]),
    replyTo: addressesFrom(v[4]),
    to: addressesFrom(v[5]),
    cc: addressesFrom(v[6]),
    bcc: addressesFrom(v[7]),
    inReplyTo: str(v[8]),
    messageId: str(v[9]),
  };
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TypeError('analysis: bad number');
  return v;
}

function partFrom(v: unknown): PartInfo {
  if (!Array.isArray(v) || v.length < 8) throw new TypeError('analysis: bad part');
  const mime = String(v[5]);
  const slash = mime.indexOf('/');
  const extra = (v[8] && typeof v[8] === 'object' ? v[8] : {}) as Record<string, unknown>;
  const disp = extra.p;
  const lang = extra.l;
  const bodyLength = num(v[3]);
  const p: PartInfo = {
    headerStart: num(v[0]),
    headerLength: num(v[1]),
    bodyStart: num(v[2]),
    bodyLength,
    type: mime.slice(0, slash),
    subtype: mime.slice(slash + 1),
    params: pairs(v[6]),
    id: str(extra.i),
    description: str(extra.d),
    encoding: String(v[7]),
    size: bodyLength,
    lines: num(v[4]),
    md5: str(extra.m),
    disposition: Array.isArray(disp) ? { type: String(disp[0]), params: pairs(disp[1]) } : null,
    language: Array.isArray(lang) ? lang.map(String) : null,
    location: str(extra.o),
  };
  const sub: unknown = v[9];
  if (Array.isArray(sub)) p.children = sub.map(partFrom);
  else if (sub && typeof sub === 'object') {
    const m = sub as { e?: unknown; r?: unknown };
    p.message = { envelope: envelopeFrom(m.e), root: partFrom(m.r) };
  }
  return p;
}

/** Reads serializeAnalysis() output; throws TypeError on anything else. */
export function deserializeAnalysis(s: string): MessageAnalysis {
  const v: unknown = JSON.parse(s);
  if (!Array.isArray(v) || v[0] !== VERSION) throw new TypeError('analysis: unknown format');
  return { envelope: envelopeFrom(v[1]), root: partFrom(v[2]) };
}
