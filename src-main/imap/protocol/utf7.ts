// Modified UTF-7 (RFC 3501 §5.1.3), the encoding of IMAP mailbox names for clients that have not
// enabled UTF8=ACCEPT: printable US-ASCII stands for itself ("&" is written "&-"); any other run of
// characters is written "&" + base64 of its UTF-16BE code units, with "," for "/" and no "=" padding,
// + "-". Decoding is strict and accepts only the canonical form (the one encode produces), so that
// one mailbox has exactly one wire name: "&AGE-" (an encoded "a"), "&U,A-&U,A-" (two adjacent runs)
// or non-zero leftover bits are errors, as are 8-bit bytes, control characters, an unterminated
// "&…" run, and unpaired UTF-16 surrogates on either side.

export class Utf7Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Utf7Error';
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

function isPrintable(unit: number): boolean {
  return unit >= 0x20 && unit <= 0x7e;
}

function isHigh(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLow(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Throws when code units hold a surrogate that is not part of a high+low pair. */
function checkSurrogates(units: readonly number[], what: string): void {
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (isHigh(u) && i + 1 < units.length && isLow(units[i + 1]!)) {
      i++;
    } else if (isHigh(u) || isLow(u)) {
      throw new Utf7Error(`${what}: unpaired UTF-16 surrogate`);
    }
  }
}

function encodeRun(units: readonly number[]): string {
  let out = '';
  let bits = 0;
  let nbits = 0;
  for (const u of units) {
    bits = (bits << 16) | u;
    nbits += 16;
    while (nbits >= 6) {
      nbits -= 6;
      out += ALPHABET[(bits >> nbits) & 0x3f];
    }
    bits &= (1 << nbits) - 1;
  }
  if (nbits > 0) out += ALPHABET[(bits << (6 - nbits)) & 0x3f];
  return out;
}

/** A mailbox name (any Unicode string) in modified UTF-7. Throws Utf7Error on unpaired surrogates. */
export function encodeMailboxName(name: string): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (isPrintable(c)) {
      out += c === 0x26 ? '&-' : name[i];
      i++;
      continue;
    }
    const units: number[] = [];
    while (i < name.length && !isPrintable(name.charCodeAt(i))) units.push(name.charCodeAt(i++));
    checkSurrogates(units, 'mailbox name');
    out += `&${encodeRun(units)}-`;
  }
  return out;
}

function decodeRun(b64: string): number[] {
  const units: number[] = [];
  let bits = 0;
  let nbits = 0;
  for (const ch of b64) {
    const v = VALUE.get(ch);
    if (v === undefined) throw new Utf7Error(`invalid modified base64 character ${JSON.stringify(ch)}`);
    bits = (bits << 6) | v;
    nbits += 6;
    if (nbits >= 16) {
      nbits -= 16;
      units.push((bits >> nbits) & 0xffff);
    }
    bits &= (1 << nbits) - 1;
  }
  if (nbits >= 6) throw new Utf7Error('modified base64 run ends inside a UTF-16 code unit');
  if (bits !== 0) throw new Utf7Error('modified base64 run has non-zero padding bits');
  return units;
}

/**
 * The Unicode name for a modified UTF-7 mailbox name as a client sent it. Throws Utf7Error when the
 * text is not valid, canonical modified UTF-7 (the command layer answers NO/BAD for that name).
 */
export function decodeMailboxName(encoded: string): string {
  let out = '';
  let i = 0;
  let lastRunEnd = -1;
  while (i < encoded.length) {
    const c = encoded.charCodeAt(i);
    if (!isPrintable(c)) throw new Utf7Error('mailbox name has a character that is not printable US-ASCII');
    if (c !== 0x26) {
      out += encoded[i];
      i++;
      continue;
    }
    const end = encoded.indexOf('-', i + 1);
    if (end < 0) throw new Utf7Error('unterminated "&" run in mailbox name');
    const b64 = encoded.slice(i + 1, end);
    if (b64 === '') {
      out += '&';
    } else {
      if (lastRunEnd === i) throw new Utf7Error('two adjacent modified base64 runs (not canonical)');
      const units = decodeRun(b64);
      if (units.length === 0) throw new Utf7Error('empty modified base64 run');
      for (const u of units) if (isPrintable(u)) throw new Utf7Error('printable US-ASCII must not be base64-encoded');
      checkSurrogates(units, 'modified base64 run');
      for (const u of units) out += String.fromCharCode(u);
      lastRunEnd = end + 1;
    }
    i = end + 1;
  }
  return out;
}

/** Whether text is valid, canonical modified UTF-7 (decodeMailboxName would not throw). */
export function isValidMailboxUtf7(encoded: string): boolean {
  try {
    decodeMailboxName(encoded);
    return true;
  } catch (e) {
    if (e instanceof Utf7Error) return false;
    throw e;
  }
}
