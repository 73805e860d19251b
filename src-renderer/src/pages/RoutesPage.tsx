// hMailAdmin's Settings › Protocols › SMTP › Routes: mail for a domain (all its addresses, or
// only some) goes to a given host instead of the domain's MX servers or the smart host.
import { NumberInput, PasswordInput, SimpleGrid, Switch, TagsInput, TextInput } from '@mantine/core';
import type { Route } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { DataTable, FormModal, PageFrame, RemoveButton, RowActions, SecuritySelect, SmallButton, numberValue, sameFields, securityLabel, useAsync, useConfigChanged, useDraft, useFeedback, useModalEditor, type Column } from './shared';

const T = strings({
  title: 'Routes',
  domain: 'Domain',
  domainHint: 'Mail for this domain goes to the host below, not to its MX servers.',
  description: 'Description',
  host: 'Remote host name',
  port: 'Remote TCP/IP port',
  hostPort: 'Host',
  security: 'Connection security',
  verifyCertificate: 'Check the remote server\'s certificate',
  requiresAuth: 'Server requires authentication',
  username: 'User name',
  password: 'Password',
  passwordKeep: 'Leave empty to keep the stored password.',
  allAddresses: 'All addresses',
  allAddressesHint: 'Off: only mail to the addresses listed below takes this route.',
  addresses: 'Addresses',
  addressesHint: 'Type an address and press Enter.',
  addressesMore: '{list} and {n} more',
  retries: 'Number of retries',
  retryMinutes: 'Minutes between every retry',
  actions: 'Actions',
  add: 'Add route',
  edit: 'Edit',
  newTitle: 'New route',
  editTitle: 'Route for {domain}',
  removeTitle: 'Remove route',
  removeMessage: 'Remove the route for {domain}? Its mail goes to the domain\'s MX servers (or the smart host) again.',
  empty: 'No routes: mail for other domains goes to their MX servers, or to the smart host. Add a route to send one domain\'s mail to a host of your choice.',
});

/** The first addresses of a route, and how many more. */
const addressesCell = (list: readonly string[]): string =>
  list.length <= 3 ? list.join(', ') : fmt(T.addressesMore, { list: list.slice(0, 3).join(', '), n: list.length - 3 });

const FIELDS = sameFields(['domain', 'description', 'host', 'port', 'security', 'verifyCertificate', 'requiresAuth', 'username', 'password', 'allAddresses', 'addresses', 'retries', 'retryMinutes']);

/** A new route as `routes.add` would default it (routeInput). */
const NEW_ROUTE: Omit<Route, 'id' | 'hasPassword'> = {
  domain: '',
  description: '',
  host: '',
  port: 25,
  security: 'none',
  verifyCertificate: true,
  requiresAuth: false,
  username: '',
  allAddresses: true,
  addresses: [],
  retries: 4,
  retryMinutes: 60,
};

export function RoutesPage() {
  const fb = useFeedback();
  const routes = useAsync(() => call<Route[]>('routes', 'list'), []);
  /** The route in the editor; 'new' for a new one. */
  const editor = useModalEditor<Route | 'new'>(fb, routes.reload);

  useConfigChanged(['routes'], routes.reload);

  const columns: Column<Route>[] = [
    { header: T.domain, cell: (r) => r.domain },
    { header: T.description, cell: (r) => r.description },
    { header: T.hostPort, cell: (r) => `${r.host}:${r.port}` },
    { header: T.security, cell: (r) => securityLabel(r.security) },
    { header: T.addresses, cell: (r) => (r.allAddresses ? T.allAddresses : addressesCell(r.addresses)) },
    {
      header: T.actions,
      cell: (r) => (
        <RowActions>
          <SmallButton label={T.edit} onClick={() => editor.open(r)} />
          <RemoveButton feedback={fb} ns="routes" id={r.id} title={T.removeTitle} message={fmt(T.removeMessage, { domain: r.domain })} after={routes.reload} />
        </RowActions>
      ),
    },
  ];

  return (
    <PageFrame title={T.title} feedback={fb} loadError={routes.error} actions={<SmallButton label={T.add} variant="filled" onClick={() => editor.open('new')} />}>
      <DataTable columns={columns} rows={routes.data} rowKey={(r) => r.id} empty={T.empty} minWidth={800} />
      {editor.editing && <RouteEditor route={editor.editing === 'new' ? undefined : editor.editing} onClose={editor.close} onSaved={editor.saved} />}
    </PageFrame>
  );
}

/** The editor of one route, or of a new one (`route` undefined). */
function RouteEditor({ route, onClose, onSaved }: { route: Route | undefined; onClose: () => void; onSaved: () => unknown }) {
  const fb = useFeedback();
  // The modal closes on save, so the draft never needs to take the stored values again.
  const [v, set] = useDraft(route ?? NEW_ROUTE, (r) => ({
    domain: r.domain,
    description: r.description,
    host: r.host,
    port: r.port as number | string,
    security: r.security,
    verifyCertificate: r.verifyCertificate,
    requiresAuth: r.requiresAuth,
    username: r.username,
    password: '',
    allAddresses: r.allAddresses,
    addresses: [...r.addresses],
    retries: r.retries as number | string,
    retryMinutes: r.retryMinutes as number | string,
  }));

  const save = () => {
    const { password, ...rest } = v;
    const input = {
      ...rest,
      port: numberValue(v.port),
      // Empty: the stored password stays (the key is left out).
      ...(password !== '' ? { password } : {}),
      retries: numberValue(v.retries),
      retryMinutes: numberValue(v.retryMinutes),
    };
    return fb.run('save', () => (route ? call<Route>('routes', 'update', { id: route.id, ...input }) : call<Route>('routes', 'add', input)), {
      fields: FIELDS,
      after: onSaved,
    });
  };

  const whole = { allowDecimal: false, allowNegative: false } as const;

  return (
    <FormModal title={route ? fmt(T.editTitle, { domain: route.domain }) : T.newTitle} feedback={fb} onSubmit={save} onClose={onClose} size="lg">
      <TextInput label={T.domain} description={T.domainHint} value={v.domain} onChange={(e) => set('domain', e.currentTarget.value)} error={fb.error('domain')} />
      <TextInput label={T.description} value={v.description} onChange={(e) => set('description', e.currentTarget.value)} error={fb.error('description')} />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label={T.host} value={v.host} onChange={(e) => set('host', e.currentTarget.value)} error={fb.error('host')} />
        <NumberInput label={T.port} min={1} max={65535} {...whole} value={v.port} onChange={(x) => set('port', x)} error={fb.error('port')} />
        <SecuritySelect label={T.security} value={v.security} onChange={(x) => set('security', x)} error={fb.error('security')} />
        <Switch label={T.verifyCertificate} mt="lg" checked={v.verifyCertificate} onChange={(e) => set('verifyCertificate', e.currentTarget.checked)} error={fb.error('verifyCertificate')} />
      </SimpleGrid>
      <Switch label={T.requiresAuth} checked={v.requiresAuth} onChange={(e) => set('requiresAuth', e.currentTarget.checked)} error={fb.error('requiresAuth')} />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput label={T.username} autoComplete="off" disabled={!v.requiresAuth} value={v.username} onChange={(e) => set('username', e.currentTarget.value)} error={fb.error('username')} />
        <PasswordInput
          label={T.password}
          description={route?.hasPassword ? T.passwordKeep : undefined}
          autoComplete="new-password"
          disabled={!v.requiresAuth}
          value={v.password}
          onChange={(e) => set('password', e.currentTarget.value)}
          error={fb.error('password')}
        />
      </SimpleGrid>
      <Switch label={T.allAddresses} aria-label={T.allAddresses} description={T.allAddressesHint} checked={v.allAddresses} onChange={(e) => set('allAddresses', e.currentTarget.checked)} error={fb.error('allAddresses')} />
      <TagsInput
        label={T.addresses}
        description={T.addressesHint}
        disabled={v.allAddresses}
        value={v.addresses}
        onChange={(x) => set('addresses', x)}
        splitChars={[',', ';', ' ']}
        clearable
        error={fb.error('addresses')}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <NumberInput label={T.retries} min={0} max={100} {...whole} value={v.retries} onChange={(x) => set('retries', x)} error={fb.error('retries')} />
        <NumberInput label={T.retryMinutes} min={1} {...whole} value={v.retryMinutes} onChange={(x) => set('retryMinutes', x)} error={fb.error('retryMinutes')} />
      </SimpleGrid>
    </FormModal>
  );
}
