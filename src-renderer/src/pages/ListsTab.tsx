// A domain's distribution lists (hMailAdmin's "Distribution lists" node): one address that
// delivers to several. The table of lists with an add form; for the chosen list, its settings
// (who may send to it) and its members.
import { useState } from 'react';
import { Anchor, Select, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import type { DistributionList, ListMode } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { ActionButton, DataTable, RemoveButton, RowActions, Section, SmallButton, SubmitForm, useAsync, useConfigChanged, useDraft, yesNo, type Column, type Feedback } from './shared';

const T = strings({
  address: 'List address',
  localPartHint: 'The name alone is enough: @{domain} is added.',
  mode: 'Who may send',
  members: 'Members',
  enabled: 'Enabled',
  actions: 'Actions',
  manage: 'Members and settings',
  empty:
    'No distribution lists yet. A list is one address that delivers to several people (a class, a department, the teachers…): mail to it goes to every member. Add one below, then its members.',
  addTitle: 'Add a distribution list',
  add: 'Add list',
  removeTitle: 'Remove distribution list',
  removeMessage: 'Remove the list {address}? Mail to it will be refused; its members keep their own mail.',
  modes: {
    public: 'Anyone',
    membership: 'Members only',
    announcements: 'The announcer only',
    domain: 'Senders of this domain only',
  } satisfies Record<ListMode, string>,
  modeHints: {
    public: 'Anyone, here or elsewhere, may send to the list.',
    membership: 'Only the list\'s members may send to it.',
    announcements: 'Only the announcer may send to it: a newsletter, a teacher\'s notices.',
    domain: 'Only senders with an address of {domain} may send to it.',
  } satisfies Record<ListMode, string>,
  announcer: 'Announcer',
  announcerHint: 'The address allowed to send to the list.',
  requireAuth: 'Require SMTP authentication',
  requireAuthHint: 'The sender must log on; the address that counts is the one logged on, so nobody can send with a member\'s address.',
  listTitle: 'List {address}',
  settings: 'Settings',
  save: 'Save',
  member: 'Member address',
  memberHint: 'An account of this server or an address elsewhere; the name alone gets @{domain}.',
  addMember: 'Add member',
  removeMember: 'Remove',
  removeMemberName: 'Remove {name}',
  memberRemoved: 'Removed',
  membersEmpty: 'No members yet: mail to this list reaches nobody. Add the addresses it delivers to.',
});

const MODES: readonly ListMode[] = ['public', 'membership', 'announcements', 'domain'];

interface Props {
  readonly domain: string;
  readonly fb: Feedback;
  /** `name` alone → `name@domain`. */
  readonly qualify: (address: string) => string;
}

/** The mode Select and, for an announcements list, the announcer: both forms have them. */
function ModeInputs({ domain, mode, setMode, announcer, setAnnouncer, fb, prefix }: { domain: string; mode: ListMode; setMode: (m: ListMode) => void; announcer: string; setAnnouncer: (a: string) => void; fb: Feedback; prefix: string }) {
  return (
    <>
      <Select
        label={T.mode}
        description={fmt(T.modeHints[mode], { domain })}
        data={MODES.map((m) => ({ value: m, label: T.modes[m] }))}
        value={mode}
        onChange={(v) => v && setMode(v as ListMode)}
        allowDeselect={false}
        error={fb.error(`${prefix}-mode`)}
      />
      {mode === 'announcements' && <TextInput label={T.announcer} description={T.announcerHint} value={announcer} onChange={(e) => setAnnouncer(e.currentTarget.value)} error={fb.error(`${prefix}-announcer`)} />}
    </>
  );
}

/** The input names that show each server field's error, in the add form or the settings form. */
const fieldsOf = (prefix: string) => ({ address: `${prefix}-address`, mode: `${prefix}-mode`, announcer: `${prefix}-announcer`, requireAuth: `${prefix}-requireAuth`, enabled: `${prefix}-enabled` });

export function ListsTab({ domain, fb, qualify }: Props) {
  const lists = useAsync(() => call<DistributionList[]>('lists', 'list', { domain }), [domain]);
  const [selectedId, setSelectedId] = useState<number>();
  const [address, setAddress] = useState('');
  const [mode, setMode] = useState<ListMode>('public');
  const [announcer, setAnnouncer] = useState('');
  const selected = lists.data?.find((l) => l.id === selectedId);

  // Changes made elsewhere (the CLI, another admin window) show up here.
  useConfigChanged(['lists'], lists.reload);

  const add = () =>
    fb.run('add-list', () => call<DistributionList>('lists', 'add', { address: qualify(address), mode, announcer: mode === 'announcements' ? qualify(announcer) : '' }), {
      fields: fieldsOf('new-list'),
      success: true,
      after: (l) => {
        setAddress('');
        setAnnouncer('');
        setSelectedId(l.id);
        return lists.reload();
      },
    });

  const columns: Column<DistributionList>[] = [
    {
      header: T.address,
      cell: (l) => (
        <Anchor component="button" type="button" onClick={() => setSelectedId(l.id)}>
          {l.address}
        </Anchor>
      ),
    },
    { header: T.mode, cell: (l) => T.modes[l.mode] },
    { header: T.members, cell: (l) => l.members.length },
    { header: T.enabled, cell: (l) => yesNo(l.enabled) },
    {
      header: T.actions,
      cell: (l) => (
        <RowActions>
          <SmallButton label={T.manage} onClick={() => setSelectedId(l.id)} />
          <RemoveButton feedback={fb} ns="lists" id={l.id} title={T.removeTitle} message={fmt(T.removeMessage, { address: l.address })} after={lists.reload} />
        </RowActions>
      ),
    },
  ];

  return (
    <Stack gap="lg">
      <DataTable columns={columns} rows={lists.data} rowKey={(l) => l.id} empty={T.empty} selected={(l) => l.id === selectedId} />
      {selected && <ListEditor key={selected.id} list={selected} domain={domain} fb={fb} qualify={qualify} reload={lists.reload} />}
      <Section title={T.addTitle}>
        <SubmitForm label={T.addTitle} submit={T.add} onSubmit={add} loading={fb.busy === 'add-list'} maw={420}>
          <TextInput label={T.address} description={fmt(T.localPartHint, { domain })} value={address} onChange={(e) => setAddress(e.currentTarget.value)} error={fb.error('new-list-address')} />
          <ModeInputs domain={domain} mode={mode} setMode={setMode} announcer={announcer} setAnnouncer={setAnnouncer} fb={fb} prefix="new-list" />
        </SubmitForm>
      </Section>
    </Stack>
  );
}

/**
 * One list (keyed by its id): its settings, then its members. The settings typed stay until they
 * are saved, whatever reloads the list meanwhile (a member added, a change elsewhere); the save
 * then shows what the server stored.
 */
function ListEditor({ list, domain, fb, qualify, reload }: Props & { list: DistributionList; reload: () => Promise<void> }) {
  const [v, set, saved] = useDraft(list, (l) => ({ enabled: l.enabled, mode: l.mode, announcer: l.announcer, requireAuth: l.requireAuth }));
  const [member, setMember] = useState('');

  // An announcements list without an announcer is refused by the server, next to the field.
  const save = () =>
    fb.run('save-list', () => call<DistributionList>('lists', 'update', { id: list.id, ...v, announcer: v.mode === 'announcements' ? qualify(v.announcer) : v.announcer }), {
      fields: fieldsOf('list'),
      success: true,
      after: (l) => {
        saved(l);
        return reload();
      },
    });

  const addMember = () =>
    fb.run('add-member', () => call<DistributionList>('lists', 'addMember', { listId: list.id, address: qualify(member) }), {
      fields: { address: 'member-address' },
      success: true,
      after: () => {
        setMember('');
        return reload();
      },
    });

  const memberColumns: Column<string>[] = [
    { header: T.member, cell: (m) => m },
    {
      header: T.actions,
      cell: (m) => (
        <ActionButton
          label={T.removeMember}
          name={fmt(T.removeMemberName, { name: m })}
          feedback={fb}
          runKey={`remove-member-${m}`}
          action={() => call<DistributionList>('lists', 'removeMember', { listId: list.id, address: m })}
          success={() => T.memberRemoved}
          after={reload}
        />
      ),
    },
  ];

  return (
    <Section title={fmt(T.listTitle, { address: list.address })}>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
        <SubmitForm label={T.settings} submit={T.save} onSubmit={save} loading={fb.busy === 'save-list'}>
          <Switch label={T.enabled} checked={v.enabled} onChange={(e) => set('enabled', e.currentTarget.checked)} error={fb.error('list-enabled')} />
          <ModeInputs domain={domain} mode={v.mode} setMode={(m) => set('mode', m)} announcer={v.announcer} setAnnouncer={(a) => set('announcer', a)} fb={fb} prefix="list" />
          <Switch label={T.requireAuth} description={T.requireAuthHint} checked={v.requireAuth} onChange={(e) => set('requireAuth', e.currentTarget.checked)} error={fb.error('list-requireAuth')} />
        </SubmitForm>
        <Stack gap="sm">
          <DataTable columns={memberColumns} rows={list.members} rowKey={(m) => m} empty={T.membersEmpty} />
          <SubmitForm label={T.addMember} submit={T.addMember} onSubmit={addMember} loading={fb.busy === 'add-member'}>
            <TextInput label={T.member} description={fmt(T.memberHint, { domain })} value={member} onChange={(e) => setMember(e.currentTarget.value)} error={fb.error('member-address')} />
          </SubmitForm>
        </Stack>
      </SimpleGrid>
    </Section>
  );
}
