// Writing the header fields and text bodies of the messages the server composes itself: bounces
// (dsn.ts) and auto-replies (autoreply.ts). Lines are CRLF-separated and at most 998 octets.

export const CRLF = '\r\n';
/** RFC 5322 §2.1.1: at most 998 octets per line, CRLF excluded. */
export const MAX_LINE = 998;
/** Preferred line length for the fields we write ourselves. */
export const FOLD_AT = 78;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC: 'Tue, 05 Mar 2024 09:07:03 +0000'. */
export function rfc5322Date(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Control characters (line breaks included) become spaces; runs of white space collapse. This is
 *  what keeps values given by users or by the original from adding header fields. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Length in octets once written as UTF-8. */
export function octets(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Folds "Name: value" at white space so lines stay ≤ FOLD_AT octets where possible and
 *  ≤ MAX_LINE always (a word longer than that is cut, between characters). The value goes through
 *  oneLine() first. Returns the field with a trailing CRLF. */
export function foldField(name: string, value: string): string {
  const words = oneLine(value).split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = `${name}:`;
  for (let word of words) {
    if (octets(line) + 1 + octets(word) > FOLD_AT && line.trim().length > name.length + 1) {
      lines.push(line);
      line = '';
    }
    while (octets(line) + 1 + octets(word) > MAX_LINE) {
      let room = MAX_LINE - octets(line) - 1;
      let head = '';
      for (const ch of word) {
        room -= octets(ch);
        if (room < 0) break;
        head += ch;
      }
      lines.push(`${line} ${head}`);
      word = word.slice(head.length);
      line = '';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join(CRLF) + CRLF;
}

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text whose lines are separated by CRLF. Lines are at
 *  most 76 characters; "From " at the start of a line is written =46rom so that mbox tools along
 *  the way do not mangle it. */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split(CRLF)) {
    const bytes = Buffer.from(line, 'utf8');
    const fromLine = line.startsWith('From ');
    const tokens: string[] = [];
    bytes.forEach((b, i) => {
      const last = i === bytes.length - 1;
      const plain = ((b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last)) && !(fromLine && i === 0);
      tokens.push(plain ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`);
    });
    let current = '';
    for (const t of tokens) {
      if (current.length + t.length > 75) {
        out.push(`${current}=`); // soft line break; a line is at most 76 characters
        current = '';
      }
      current += t;
    }
    out.push(current);
  }
  return out.join(CRLF);
}
