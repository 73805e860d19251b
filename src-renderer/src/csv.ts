// A small CSV reader for imports from spreadsheets. RFC 4180 quoting: a cell that starts with a
// quote runs to the next quote that is not doubled, and separators and line breaks inside it are
// data. Lines end in CRLF, LF or CR; a byte order mark is dropped. The separator is the one the
// header row uses most: "," (RFC 4180), ";" (Excel where "," is the decimal mark: Spanish,
// Catalan, Galician…) or a tab (cells copied from a spreadsheet and pasted).

export type CsvSeparator = ',' | ';' | '\t';

export interface CsvRecord {
  /** The line the record starts on, from 1: the row number a spreadsheet shows. */
  readonly line: number;
  readonly cells: readonly string[];
}

/** The text is not CSV: a quoted cell that opens on `line` is never closed. */
export class CsvError extends Error {
  constructor(readonly line: number) {
    super(`line ${line}: a quoted cell is not closed`);
  }
}

const BOM = '\uFEFF';

/** The separator the first non-blank line uses most, outside quotes (a tie or none: ","). */
export function detectSeparator(text: string): CsvSeparator {
  const counts: Record<CsvSeparator, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  let content = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) {
      if (content) break;
    } else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++;
    if (c.trim() !== '' && c !== BOM) content = true;
  }
  const best = (Object.keys(counts) as CsvSeparator[]).reduce((a, b) => (counts[b] > counts[a] ? b : a));
  return counts[best] > 0 ? best : ',';
}

/**
 * The records of `text`, each with its cells as written (not trimmed). Records whose cells are all
 * blank are left out: blank lines, and the ";;;" rows spreadsheets write for empty formatted rows.
 * A quote inside an unquoted cell (`5" disk`) is data. Throws CsvError for an unclosed quote
 * rather than swallowing the rest of the text into one cell.
 */
export function parseCsv(text: string, separator: CsvSeparator = detectSeparator(text)): CsvRecord[] {
  const src = text.startsWith(BOM) ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  /** At the start of a cell, where a quote opens a quoted cell. */
  let fresh = true;
  let line = 1;
  let start = 1;
  const endCell = () => {
    cells.push(cell);
    cell = '';
    fresh = true;
  };
  const endRecord = () => {
    endCell();
    if (cells.some((c) => c.trim() !== '')) records.push({ line: start, cells });
    cells = [];
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' && fresh) {
      const opened = line;
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw new CsvError(opened);
        const d = src[j]!;
        if (d === '"') {
          if (src[j + 1] !== '"') break;
          cell += '"';
          j += 2;
          continue;
        }
        // A line break in a quoted cell is data, but still a line of the text (CRLF is one).
        if (d === '\n' || (d === '\r' && src[j + 1] !== '\n')) line++;
        cell += d;
        j++;
      }
      i = j + 1;
      fresh = false;
    } else if (c === separator) {
      endCell();
      i++;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      start = ++line;
    } else {
      cell += c;
      fresh = false;
      i++;
    }
  }
  endRecord();
  return records;
}

/**
 * A file's bytes as text: UTF-16 when it starts with its byte order mark (Excel's "Unicode text"),
 * UTF-8 when the bytes are valid UTF-8, else Windows-1252 (Excel's plain "CSV" in Western
 * European locales), so that "contraseña" or "Núñez" arrive intact either way.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
