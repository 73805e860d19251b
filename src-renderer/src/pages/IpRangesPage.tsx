// hMailAdmin's Settings › Advanced › IP ranges: what a client may do depending on the address it
// connects from (connect with which protocols, deliver from where to where, authenticate first),
// the range with the highest priority applying where ranges overlap.
import { useState } from 'react';
import { Anchor, Button, Checkbox, Group, NumberInput, Paper, SimpleGrid, Stack, Table, TextInput, Title } from '@mantine/core';
import type { IpRange } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { DataTable, PageFrame, RemoveButton, RestoreDefaultsButton, Section, SmallButton, SubmitForm, dateTime, numberValue, sameFields, useAsync, useConfigChanged, useFeedback, type Column, type Feedback } from './shared';

const T = strings({
  title: 'IP ranges',
  name: 'Name',
  priority: 'Priority',
  priorityHint: 'Where ranges overlap, the one with the highest priority applies.',
  range: 'Range',
  expires: 'Expires',
  never: 'Never',
  empty: 'No IP ranges: no client may connect at all. Use "Add IP range", or "Restore defaults" to get "My computer" and "Internet" back.',
  addRange: 'Add IP range',
  newTitle: 'New IP range',
  editTitle: 'IP range {name}',
  lower: 'Lower IP',
  upper: 'Upper IP',
  ipPlaceholder: '192.168.1.0',
  protocols: 'Protocols',
  connections: 'Allow connections',
  smtp: 'SMTP',
  pop3: 'POP3',
  imap: 'IMAP',
  delivery: 'Delivery',
  deliveries: 'Allow deliveries from',
  requireAuth: 'Require SMTP authentication',
  matrixHint: 'Local: an address of a domain on this server. External: any other address.',
  localToLocal: 'Local to local',
  localToExternal: 'Local to external',
  externalToLocal: 'External to local',
  externalToExternal: 'External to external',
  other: 'Other',
  antiSpam: 'Anti-spam',
  antiVirus: 'Anti-virus',
  requireTls: 'Require SSL/TLS for authentication',
  cell: '{row}: {column}',
  save: 'Save',
  add: 'Add',
  cancel: 'Cancel',
  removeTitle: 'Remove IP range',
  removeMessage: 'Remove the IP range {name}? Its clients fall under the next range that holds them, or may not connect at all.',
  restoreTitle: 'Restore the default IP ranges',
  restoreMessage: 'Replace every IP range with the defaults ("My computer" and "Internet")? Changes made here are lost.',
});

type Flag = Exclude<keyof IpRange, 'id' | 'name' | 'priority' | 'lower' | 'upper' | 'expiresAt'>;
type Flags = Record<Flag, boolean>;

interface Draft {
  readonly name: string;
  readonly priority: number | string;
  readonly lower: string;
  readonly upper: string;
  readonly flags: Flags;
}

const FIELDS = sameFields(['name', 'priority', 'lower', 'upper']);

/** A string of T, by its key: grids keep keys, read in the current language while rendering. */
type Label = keyof typeof T;
const textOf = (label: Label | undefined): string => (label === undefined ? '' : T[label]);

/** A grid of checkboxes: one row per setting, one column per protocol or direction. */
interface Grid {
  readonly columns: readonly Label[];
  readonly rows: readonly { readonly label: Label; readonly flags: readonly Flag[] }[];
}

const CONNECTION_GRID: Grid = {
  columns: ['smtp', 'pop3', 'imap'],
  rows: [{ label: 'connections', flags: ['allowSmtp', 'allowPop3', 'allowImap'] }],
};

const DELIVERY_GRID: Grid = {
  columns: ['localToLocal', 'localToExternal', 'externalToLocal', 'externalToExternal'],
  rows: [
    { label: 'deliveries', flags: ['allowLocalToLocal', 'allowLocalToExternal', 'allowExternalToLocal', 'allowExternalToExternal'] },
    { label: 'requireAuth', flags: ['authLocalToLocal', 'authLocalToExternal', 'authExternalToLocal', 'authExternalToExternal'] },
  ],
};

const OTHER: readonly { readonly flag: Flag; readonly label: Label }[] = [
  { flag: 'antiSpam', label: 'antiSpam' },
  { flag: 'antiVirus', label: 'antiVirus' },
  { flag: 'requireTlsForAuth', label: 'requireTls' },
];

/** Every box of the editor. */
const FLAG_NAMES: readonly Flag[] = [...CONNECTION_GRID.rows, ...DELIVERY_GRID.rows].flatMap((r) => r.flags).concat(OTHER.map((o) => o.flag));

/** A new range as `ipRanges.add` would default it (ipRangeInput): every box ticked but authentication for external to local. */
const NEW_RANGE: Draft = {
  name: '',
  priority: 20,
  lower: '',
  upper: '',
  flags: Object.fromEntries(FLAG_NAMES.map((f) => [f, f !== 'authExternalToLocal'])) as Flags,
};

const draftOf = (r: IpRange): Draft => ({
  name: r.name,
  priority: r.priority,
  lower: r.lower,
  upper: r.upper,
  flags: Object.fromEntries(FLAG_NAMES.map((f) => [f, r[f]])) as Flags,
});

const byPriority = (a: IpRange, b: IpRange): number => b.priority - a.priority || a.name.localeCompare(b.name);

/** What the editor shows: nothing, a new range, or the range with this id. */
type Selection = undefined | 'new' | number;

export function IpRangesPage() {
  const fb = useFeedback();
  const ranges = useAsync(async () => (await call<IpRange[]>('ipRanges', 'list')).sort(byPriority), []);
  const [selection, setSelection] = useState<Selection>();

  useConfigChanged(['ipRanges'], ranges.reload);

  const selected = typeof selection === 'number' ? ranges.data?.find((r) => r.id === selection) : undefined;
  const select = (s: Selection) => {
    fb.clear();
    setSelection(s);
  };
  const closeAndReload = () => {
    setSelection(undefined);
    return ranges.reload();
  };

  const columns: Column<IpRange>[] = [
    {
      header: T.name,
      cell: (r) => (
        <Anchor component="button" type="button" onClick={() => select(r.id)} aria-current={r.id === selection ? 'true' : undefined}>
          {r.name}
        </Anchor>
      ),
    },
    { header: T.priority, cell: (r) => r.priority },
    { header: T.range, cell: (r) => `${r.lower} – ${r.upper}` },
    { header: T.expires, cell: (r) => (r.expiresAt ? dateTime(r.expiresAt) : T.never) },
  ];

  const actions = (
    <>
      <SmallButton label={T.addRange} variant="filled" onClick={() => select('new')} />
      <RestoreDefaultsButton feedback={fb} ns="ipRanges" title={T.restoreTitle} message={T.restoreMessage} after={closeAndReload} />
    </>
  );

  return (
    <PageFrame title={T.title} feedback={fb} loadError={ranges.error} actions={actions}>
      <DataTable columns={columns} rows={ranges.data} rowKey={(r) => r.id} empty={T.empty} selected={(r) => r.id === selection} />
      {(selection === 'new' || selected) && (
        <RangeEditor
          key={selected?.id ?? 'new'}
          range={selected}
          fb={fb}
          onClose={() => select(undefined)}
          onSaved={async (r) => {
            await ranges.reload();
            setSelection(r.id);
          }}
          onRemoved={closeAndReload}
        />
      )}
    </PageFrame>
  );
}

/** The editor of one range (`range`), or of a new one (none). */
function RangeEditor({
  range,
  fb,
  onClose,
  onSaved,
  onRemoved,
}: {
  range: IpRange | undefined;
  fb: Feedback;
  onClose: () => void;
  onSaved: (r: IpRange) => unknown;
  onRemoved: () => unknown;
}) {
  const [draft, setDraft] = useState<Draft>(() => (range ? draftOf(range) : NEW_RANGE));
  const set = (patch: Partial<Omit<Draft, 'flags'>>) => setDraft((d) => ({ ...d, ...patch }));
  const setFlag = (flag: Flag, on: boolean) => setDraft((d) => ({ ...d, flags: { ...d.flags, [flag]: on } }));

  const save = () => {
    const input = { name: draft.name, priority: numberValue(draft.priority), lower: draft.lower, upper: draft.upper, ...draft.flags };
    return fb.run('save', () => (range ? call<IpRange>('ipRanges', 'update', { id: range.id, ...input }) : call<IpRange>('ipRanges', 'add', input)), {
      fields: FIELDS,
      success: true,
      after: onSaved,
    });
  };

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={4}>{range ? fmt(T.editTitle, { name: range.name }) : T.newTitle}</Title>
        <SubmitForm
          submit={range ? T.save : T.add}
          onSubmit={save}
          loading={fb.busy === 'save'}
          gap="md"
          extra={
            <>
              <Button variant="default" onClick={onClose}>
                {T.cancel}
              </Button>
              {range && <RemoveButton feedback={fb} ns="ipRanges" id={range.id} size="sm" title={T.removeTitle} message={fmt(T.removeMessage, { name: range.name })} after={onRemoved} />}
            </>
          }
        >
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput label={T.name} value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={fb.error('name')} />
            <NumberInput
              label={T.priority}
              description={T.priorityHint}
              min={0}
              max={1000}
              allowDecimal={false}
              allowNegative={false}
              value={draft.priority}
              onChange={(v) => set({ priority: v })}
              error={fb.error('priority')}
            />
            <TextInput label={T.lower} placeholder={T.ipPlaceholder} value={draft.lower} onChange={(e) => set({ lower: e.currentTarget.value })} error={fb.error('lower')} />
            <TextInput label={T.upper} placeholder={T.ipPlaceholder} value={draft.upper} onChange={(e) => set({ upper: e.currentTarget.value })} error={fb.error('upper')} />
          </SimpleGrid>
          <Section title={T.protocols}>
            <FlagGrid grid={CONNECTION_GRID} flags={draft.flags} onChange={setFlag} />
          </Section>
          <Section title={T.delivery} description={T.matrixHint}>
            <FlagGrid grid={DELIVERY_GRID} flags={draft.flags} onChange={setFlag} />
          </Section>
          <Section title={T.other}>
            {OTHER.map(({ flag, label }) => (
              <Checkbox key={flag} label={T[label]} checked={draft.flags[flag]} onChange={(e) => setFlag(flag, e.currentTarget.checked)} />
            ))}
          </Section>
        </SubmitForm>
      </Stack>
    </Paper>
  );
}

/** A grid of checkboxes with its row and column headers; each checkbox is named "row: column". */
function FlagGrid({ grid, flags, onChange }: { grid: Grid; flags: Flags; onChange: (flag: Flag, on: boolean) => void }) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table withTableBorder withColumnBorders layout="fixed">
        <Table.Thead>
          <Table.Tr>
            <Table.Td />
            {grid.columns.map((c) => (
              <Table.Th key={c} scope="col" ta="center">
                {T[c]}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {grid.rows.map((row) => (
            <Table.Tr key={row.label}>
              <Table.Th scope="row">{T[row.label]}</Table.Th>
              {row.flags.map((flag, i) => (
                <Table.Td key={flag}>
                  <Group justify="center">
                    <Checkbox aria-label={fmt(T.cell, { row: T[row.label], column: textOf(grid.columns[i]) })} checked={flags[flag]} onChange={(e) => onChange(flag, e.currentTarget.checked)} />
                  </Group>
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
