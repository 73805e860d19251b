// Accounts of a domain created from a CSV file (a class list from a spreadsheet): read it, say how
// many rows will be created, then create them one by one with accounts.add, showing the progress
// and, for each row, OK or the server's reason (a duplicate, a short password…).
import { useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Button, Group, Progress, Stack, Table, Text, Textarea } from '@mantine/core';
import type { Account } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { CsvError, decodeText, parseCsv } from '../csv';
import { fmt, strings } from '../i18n';
import { DropZone, errorText, numberValue, qualify, Section } from './shared';

const T = strings({
  title: 'Import accounts from CSV',
  help:
    'The first row names the columns: address and password, and if you like firstName, lastName and quotaMb ({quota}). Spanish, Catalan and Galician names work too (correo, contraseña, nombre, apellidos, cuota). A name without @ gets @{domain}. Separated by "," or ";", as Excel saves it.',
  quotaUnlimited: '0 = unlimited',
  quotaDomain: "0 = the domain's limit, {n} MB",
  drop: 'Drop a CSV file here',
  file: 'CSV file',
  fileTooBig: 'The file is larger than {mb} MB: split it.',
  text: 'Or paste the rows',
  textPlaceholder: 'address;password;firstName;lastName\nana;secret-ana;Ana;García',
  unclosedQuote: 'Line {line}: a quoted cell is never closed.',
  needColumns: 'The first row must name the columns: address and password at least.',
  twice: 'The column {column} appears twice.',
  ignored: 'Columns not used: {columns}.',
  preview: 'Rows read: {n}.',
  previewRefused: 'Rows that will not be sent (another domain, no address): {n}; the reasons show after the import.',
  start: 'Import accounts',
  cancel: 'Cancel',
  progress: 'Import progress',
  nOfN: '{n} of {total}',
  cancelled: 'Cancelled: the rows after the last one done were not imported.',
  finished: 'Created: {ok}. Not created: {failed}.',
  row: 'Row',
  address: 'Address',
  result: 'Result',
  ok: 'OK',
  noAddress: 'No address.',
  otherDomain: 'Not an address of {domain}: import it from that domain\'s page.',
  notSent: 'Not imported (cancelled).',
});

/** Larger files are not read (a class list is a few KB; this keeps a wrong file from freezing the page). */
const MAX_MB = 2;

type Column = 'address' | 'password' | 'firstName' | 'lastName' | 'quotaMb';

/** The header names of each column, as `headerKey` leaves them: English, Spanish, Catalan, Galician. */
const HEADERS: Record<Column, readonly string[]> = {
  address: ['address', 'emailaddress', 'email', 'mail', 'account', 'correo', 'correoelectronico', 'direccion', 'cuenta', 'correu', 'correuelectronic', 'adreca', 'compte', 'enderezo', 'enderezoelectronico', 'conta'],
  password: ['password', 'pass', 'passwd', 'contrasena', 'clave', 'contrasenya', 'clau', 'contrasinal', 'chave'],
  firstName: ['firstname', 'first', 'givenname', 'name', 'nombre', 'nom', 'nome'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'apellidos', 'apellido', 'cognoms', 'cognom', 'apelidos', 'apelido'],
  quotaMb: ['quotamb', 'quota', 'cuota', 'cuotamb', 'cota', 'cotamb'],
};

/** "Contraseña", "First name", "quota_MB" → "contrasena", "firstname", "quotamb". */
const headerKey = (h: string): string =>
  h
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

const columnOf = (header: string): Column | undefined => {
  const k = headerKey(header);
  return (Object.keys(HEADERS) as Column[]).find((c) => HEADERS[c].includes(k));
};

export interface ImportRow {
  /** The row number in the file (a spreadsheet's row). */
  readonly line: number;
  /** As it is created: a name alone completed with @domain. */
  readonly address: string;
  /** What accounts.add gets; undefined when the row is refused here, for `problem`. */
  readonly input?: Readonly<Record<string, unknown>>;
  readonly problem?: string;
}

export type ImportPlan = { readonly error: string } | { readonly rows: readonly ImportRow[]; readonly ignored: readonly string[] };

/**
 * The accounts a CSV text creates in `domain`. Cells are trimmed (a space typed after a ";" is
 * not part of a password); rows for another domain, or without an address, are refused here and
 * never sent; everything else (a short password, a duplicate) is left for the server to judge.
 */
export function planImport(text: string, domain: string): ImportPlan {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError) return { error: fmt(T.unclosedQuote, { line: e.line }) };
    throw e;
  }
  const [header, ...data] = records;
  if (!header) return { rows: [], ignored: [] };
  const at: Partial<Record<Column, number>> = {};
  const ignored: string[] = [];
  for (const [i, h] of header.cells.entries()) {
    const c = columnOf(h);
    if (!c) {
      if (h.trim() !== '') ignored.push(h.trim());
    } else if (at[c] !== undefined) return { error: fmt(T.twice, { column: h.trim() }) };
    else at[c] = i;
  }
  if (at.address === undefined || at.password === undefined) return { error: T.needColumns };
  const rows = data.map((r): ImportRow => {
    const get = (c: Column) => (at[c] === undefined ? '' : (r.cells[at[c]] ?? '').trim());
    const address = qualify(get('address'), domain);
    if (address === '') return { line: r.line, address, problem: T.noAddress };
    if (address.slice(address.lastIndexOf('@') + 1).toLowerCase() !== domain.toLowerCase()) return { line: r.line, address, problem: fmt(T.otherDomain, { domain }) };
    const quota = get('quotaMb');
    const input = {
      address,
      password: get('password'),
      firstName: get('firstName'),
      lastName: get('lastName'),
      ...(quota !== '' ? { quotaMb: numberValue(quota) } : {}),
    };
    return { line: r.line, address, input };
  });
  return { rows, ignored };
}

interface RowResult {
  readonly line: number;
  readonly address: string;
  /** Created; not created (`message` says why); not tried (the import was cancelled first). */
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly message: string;
}

interface ImportRun {
  readonly results: readonly RowResult[];
  readonly total: number;
  readonly running: boolean;
  readonly cancelled: boolean;
}

/**
 * The "Import accounts from CSV" section of a domain's Accounts tab; `maxAccountSizeMb` is the
 * domain's (what a quota of 0 becomes), `onDone` reloads the account list.
 */
export function BulkImport({ domain, maxAccountSizeMb, onDone }: { domain: string; maxAccountSizeMb: number; onDone: () => Promise<void> }) {
  const [text, setText] = useState('');
  const [fileError, setFileError] = useState<string>();
  const [run, setRun] = useState<ImportRun>();
  const [stopping, setStopping] = useState(false);
  const cancel = useRef(false);
  const plan = useMemo(() => (text.trim() === '' ? undefined : planImport(text, domain)), [text, domain]);
  const running = run?.running === true;

  // Leaving the domain's page stops an import after its current row: rows are not created unseen.
  // (Another tab of the page is not leaving it: DomainPage hides this one with display:none, as
  // React's <Activity> would run this cleanup.)
  useEffect(
    () => () => {
      cancel.current = true;
    },
    [],
  );

  const load = async ([f]: readonly File[]) => {
    setFileError(undefined);
    if (!f) return;
    if (f.size > MAX_MB * 1024 * 1024) return setFileError(fmt(T.fileTooBig, { mb: MAX_MB }));
    try {
      setText(decodeText(new Uint8Array(await f.arrayBuffer())));
    } catch (e) {
      setFileError(errorText(e));
    }
  };

  const start = async () => {
    if (!plan || 'error' in plan) return;
    cancel.current = false;
    setStopping(false);
    const results: RowResult[] = [];
    const total = plan.rows.length;
    setRun({ results, total, running: true, cancelled: false });
    for (const row of plan.rows) {
      if (cancel.current) break;
      const { line, address } = row;
      if (row.input === undefined) results.push({ line, address, status: 'failed', message: row.problem ?? '' });
      else {
        try {
          await call<Account>('accounts', 'add', row.input);
          results.push({ line, address, status: 'ok', message: T.ok });
        } catch (e) {
          results.push({ line, address, status: 'failed', message: errorText(e) });
        }
      }
      setRun({ results: [...results], total, running: true, cancelled: false });
    }
    const cancelled = results.length < total;
    const skipped = plan.rows.slice(results.length).map(({ line, address }): RowResult => ({ line, address, status: 'skipped', message: T.notSent }));
    setRun({ results: [...results, ...skipped], total, running: false, cancelled });
    await onDone();
  };

  const done = run ? run.results.filter((r) => r.status !== 'skipped').length : 0;
  const created = run ? run.results.filter((r) => r.status === 'ok').length : 0;

  return (
    <Section title={T.title} description={fmt(T.help, { domain, quota: maxAccountSizeMb > 0 ? fmt(T.quotaDomain, { n: maxAccountSizeMb }) : T.quotaUnlimited })}>
      <Stack gap="sm" maw={640}>
        <DropZone label={T.file} title={T.drop} accept=".csv,.txt,text/csv,text/plain" disabled={running} error={fileError} onFiles={load} />
        <Textarea
          label={T.text}
          placeholder={T.textPlaceholder}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          rows={6}
          resize="vertical"
          disabled={running}
          error={plan && 'error' in plan ? plan.error : undefined}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          spellCheck={false}
        />
        {plan && 'rows' in plan && (
          <Text size="sm">
            {fmt(T.preview, { n: plan.rows.length })} {plan.rows.some((r) => r.problem) && fmt(T.previewRefused, { n: plan.rows.filter((r) => r.problem).length })}
            {plan.ignored.length > 0 && ` ${fmt(T.ignored, { columns: plan.ignored.join(', ') })}`}
          </Text>
        )}
        <Group>
          <Button onClick={() => void start()} disabled={!plan || 'error' in plan || plan.rows.length === 0 || running} loading={running}>
            {T.start}
          </Button>
          {running && (
            <Button
              variant="default"
              loading={stopping}
              onClick={() => {
                cancel.current = true;
                setStopping(true);
              }}
            >
              {T.cancel}
            </Button>
          )}
        </Group>
      </Stack>
      {run && (
        <Stack gap="xs" maw={640}>
          <Group gap="sm" wrap="nowrap">
            <Progress value={run.total === 0 ? 100 : (done / run.total) * 100} aria-label={T.progress} style={{ flex: 1 }} />
            <Text size="sm" data-testid="import-count">
              {fmt(T.nOfN, { n: done, total: run.total })}
            </Text>
          </Group>
          {!run.running && <Text size="sm">{run.cancelled ? T.cancelled : fmt(T.finished, { ok: created, failed: run.total - created })}</Text>}
          <Table striped aria-label={T.title}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{T.row}</Table.Th>
                <Table.Th>{T.address}</Table.Th>
                <Table.Th>{T.result}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {run.results.map((r) => (
                <Table.Tr key={r.line}>
                  <Table.Td>{r.line}</Table.Td>
                  <Table.Td>{r.address}</Table.Td>
                  <Table.Td>
                    {r.status === 'ok' ? (
                      <Badge color="green" variant="light">
                        {T.ok}
                      </Badge>
                    ) : (
                      <Text size="sm" c={r.status === 'failed' ? 'red' : 'dimmed'}>
                        {r.message}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Section>
  );
}
