// hMailAdmin's Settings › Advanced › TCP/IP ports: what each listener is set to, what it really
// got (the port bound, or why it failed), and an editor for one port.
import { useState } from 'react';
import { NumberInput, Select, Stack, Switch, Text } from '@mantine/core';
import type { CertificateInfo, PortSecurity, PortStatus, TcpIpPort } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { DataTable, FormModal, PageFrame, RestoreDefaultsButton, ListenerStateBadge, SecuritySelect, SmallButton, numberValue, securityLabel, useAsync, useConfigChanged, useEvent, useFeedback, useModalEditor, yesNo, type Column } from './shared';

const T = strings({
  title: 'TCP/IP ports',
  protocol: 'Protocol',
  address: 'Address',
  port: 'Port',
  security: 'Security',
  certificate: 'Certificate',
  enabled: 'Enabled',
  state: 'State',
  boundPort: 'Bound port',
  problem: 'Problem',
  actions: 'Actions',
  edit: 'Edit',
  defaultCertificate: 'Default',
  editTitle: '{protocol} on {address}:{port}',
  empty: 'No TCP/IP ports: the server listens on none. Use "Restore defaults" to get the SMTP, POP3 and IMAP ports back.',
  restoreTitle: 'Restore the default ports',
  restoreMessage: 'Replace every TCP/IP port with the defaults (SMTP 25 and 587, POP3 110, IMAP 143; 465, 995 and 993 with SSL/TLS, disabled)? Changes made here are lost.',
});

/** The Select's value for "no certificate named: the default one". */
const DEFAULT_CERT = 'default';

interface PortsData {
  readonly ports: PortStatus[];
  readonly certificates: CertificateInfo[];
}

export function PortsPage() {
  const fb = useFeedback();
  const data = useAsync(async (): Promise<PortsData> => {
    const [ports, certificates] = await Promise.all([call<PortStatus[]>('ports', 'list'), call<CertificateInfo[]>('certificates', 'list')]);
    return { ports, certificates };
  }, []);
  const editor = useModalEditor<PortStatus>(fb, data.reload);

  // A listener that starts or fails, and a burst of changes, make one reload.
  useEvent('server.statusChanged', useConfigChanged(['ports', 'certificates', 'settings'], data.reload));

  const columns: Column<PortStatus>[] = [
    { header: T.protocol, cell: (p) => p.protocol.toUpperCase() },
    { header: T.address, cell: (p) => p.address },
    { header: T.port, cell: (p) => p.port },
    { header: T.security, cell: (p) => securityLabel(p.security) },
    { header: T.enabled, cell: (p) => yesNo(p.enabled) },
    {
      header: T.state,
      cell: (p) => <ListenerStateBadge state={p.state} />,
    },
    { header: T.boundPort, cell: (p) => p.boundPort ?? '' },
    {
      header: T.problem,
      cell: (p) => (
        <Stack gap={2}>
          {p.error && (
            <Text size="sm" c="red">
              {p.error}
            </Text>
          )}
          {p.hint && (
            <Text size="sm" c="dimmed">
              {p.hint}
            </Text>
          )}
        </Stack>
      ),
    },
    {
      header: T.actions,
      cell: (p) => <SmallButton label={T.edit} onClick={() => editor.open(p)} />,
    },
  ];

  return (
    <PageFrame
      title={T.title}
      feedback={fb}
      loadError={data.error}
      actions={<RestoreDefaultsButton feedback={fb} ns="ports" title={T.restoreTitle} message={T.restoreMessage} after={data.reload} />}
    >
      <DataTable columns={columns} rows={data.data?.ports} rowKey={(p) => p.id} empty={T.empty} minWidth={900} />
      {editor.editing && <PortEditor port={editor.editing} certificates={data.data?.certificates ?? []} onClose={editor.close} onSaved={editor.saved} />}
    </PageFrame>
  );
}

function PortEditor({ port, certificates, onClose, onSaved }: { port: PortStatus; certificates: CertificateInfo[]; onClose: () => void; onSaved: () => unknown }) {
  const fb = useFeedback();
  const [number, setNumber] = useState<number | string>(port.port);
  const [security, setSecurity] = useState<PortSecurity>(port.security);
  const [certificate, setCertificate] = useState<string>(port.certificateId === null ? DEFAULT_CERT : String(port.certificateId));
  const [enabled, setEnabled] = useState(port.enabled);

  const certOptions = [
    { value: DEFAULT_CERT, label: T.defaultCertificate },
    ...certificates.filter((c) => !c.isCa || c.id === port.certificateId).map((c) => ({ value: String(c.id), label: c.name })),
  ];

  const save = () =>
    fb.run(
      'save',
      () =>
        call<TcpIpPort>('ports', 'update', {
          id: port.id,
          port: numberValue(number),
          security,
          certificateId: certificate === DEFAULT_CERT ? null : Number(certificate),
          enabled,
        }),
      { fields: { port: 'port', security: 'security', certificateId: 'certificate', enabled: 'enabled' }, after: onSaved },
    );

  return (
    <FormModal title={fmt(T.editTitle, { protocol: port.protocol.toUpperCase(), address: port.address, port: port.port })} feedback={fb} onSubmit={save} onClose={onClose}>
      <NumberInput label={T.port} value={number} onChange={setNumber} min={0} max={65535} allowDecimal={false} allowNegative={false} error={fb.error('port')} />
      <SecuritySelect label={T.security} value={security} onChange={setSecurity} error={fb.error('security')} />
      <Select label={T.certificate} data={certOptions} value={certificate} onChange={(v) => v && setCertificate(v)} allowDeselect={false} error={fb.error('certificate')} />
      <Switch label={T.enabled} checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} error={fb.error('enabled')} />
    </FormModal>
  );
}
