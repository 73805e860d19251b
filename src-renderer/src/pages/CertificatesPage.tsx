// hMailAdmin's Settings › Advanced › SSL certificates: the stored certificates with what needs a
// look, a generator (self-signed, or issued by the server's local CA that a classroom installs
// once), an import of PEM or PFX files, and the CA certificate to hand out.
import { useState } from 'react';
import { Alert, Badge, Checkbox, FileInput, List, PasswordInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import type { CertificateExport, CertificateInfo } from '../../../src-main/shared/model/entities';
import type { CertificateImport } from '../../../src-main/shared/ipc/contract';
import { ApiCallError, call } from '../api';
import { fmt, strings } from '../i18n';
import { ActionButton, DataTable, PageFrame, RemoveButton, RowActions, Section, SubmitForm, downloadFile, useAsync, useFeedback, yesNo, type Column } from './shared';

const T = strings({
  title: 'SSL certificates',
  name: 'Name',
  names: 'Names',
  validUntil: 'Valid until',
  expired: 'expired',
  dayLeft: '1 day left',
  daysLeft: '{n} days left',
  ports: 'Ports',
  isDefault: 'Default',
  warnings: 'Warnings',
  actions: 'Actions',
  exportCa: 'Export CA',
  removeTitle: 'Remove certificate',
  removeMessage: 'Remove the certificate {name}? A certificate that a port uses cannot be removed: choose another one for that port first.',
  empty: 'No certificates yet: generate one below (or import yours) so that SSL/TLS and STARTTLS ports have one to offer.',
  generateTitle: 'Generate',
  certificateName: 'Certificate name',
  hostName: 'Host name',
  hostNameHint: 'The name clients connect to (mail.example.com); its smtp., imap. and pop. siblings are added.',
  localCa: 'Issued by the local CA',
  localCaHint: 'Install the local CA on the clients once (Export CA) and they trust every certificate it issues.',
  generate: 'Generate certificate',
  importTitle: 'Import',
  file: 'PEM or PFX file',
  filePlaceholder: 'Choose a file…',
  fileHint: 'PEM: the certificate, its chain and its key in one file. PFX/P12: as exported from Windows.',
  chooseFile: 'choose a PEM or PFX file',
  passphrase: 'Passphrase',
  passphraseHint: 'Of the PFX file, or of an encrypted private key.',
  import: 'Import',
  importWarnings: 'Imported, but look at this:',
});

/** Server fields of `certificates.generateSelfSigned` → inputs of the Generate form. */
const GENERATE_FIELDS = { name: 'genName', commonName: 'genHost', altNames: 'genHost' };
/** Server fields of `certificates.import` → inputs of the Import form. */
const IMPORT_FIELDS = { name: 'impName', cert: 'impFile', key: 'impFile', certPem: 'impFile', keyPem: 'impFile', pfxBase64: 'impFile', passphrase: 'impPass' };

/** How long a certificate has left, as read. */
const daysLeft = (n: number): string => (n < 0 ? T.expired : n === 1 ? T.dayLeft : fmt(T.daysLeft, { n }));

const PFX_RE = /\.(pfx|p12)$/i;

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A PFX/P12 file goes as base64; anything else is read as PEM text. */
async function readCertificateFile(file: File): Promise<{ certPem: string } | { pfxBase64: string }> {
  return PFX_RE.test(file.name) ? { pfxBase64: toBase64(await file.arrayBuffer()) } : { certPem: await file.text() };
}

export function CertificatesPage() {
  const fb = useFeedback();
  const certs = useAsync(() => call<CertificateInfo[]>('certificates', 'list'), []);

  const [genName, setGenName] = useState('');
  const [genHost, setGenHost] = useState('');
  const [genLocalCa, setGenLocalCa] = useState(false);

  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [impName, setImpName] = useState('');
  const [warnings, setWarnings] = useState<readonly string[]>([]);

  const generate = async () => {
    setWarnings([]);
    await fb.run(
      'generate',
      () => call<CertificateInfo>('certificates', 'generateSelfSigned', { name: genName, commonName: genHost, kind: genLocalCa ? 'local-ca' : 'self-signed' }),
      {
        fields: GENERATE_FIELDS,
        success: true,
        after: () => {
          setGenName('');
          setGenHost('');
          return certs.reload();
        },
      },
    );
  };

  const importFile = async () => {
    setWarnings([]);
    await fb.run(
      'import',
      async () => {
        if (!file) throw new ApiCallError({ code: 'VALIDATION', message: T.chooseFile, field: 'certPem' });
        const content = await readCertificateFile(file);
        return call<CertificateImport>('certificates', 'import', { name: impName, ...content, ...(passphrase ? { passphrase } : {}) });
      },
      {
        fields: IMPORT_FIELDS,
        success: true,
        after: (r) => {
          setWarnings(r.warnings);
          setFile(null);
          setPassphrase('');
          setImpName('');
          return certs.reload();
        },
      },
    );
  };

  const chooseFile = (f: File | null) => {
    setFile(f);
    if (f && impName.trim() === '') setImpName(f.name.replace(/\.[^.]+$/, ''));
  };

  const columns: Column<CertificateInfo>[] = [
    { header: T.name, cell: (c) => c.name },
    { header: T.names, cell: (c) => c.names.join(', ') },
    {
      header: T.validUntil,
      cell: (c) => (
        <Text size="sm" c={c.daysLeft < 30 ? 'red' : undefined}>
          {new Date(c.notAfter).toLocaleDateString()} ({daysLeft(c.daysLeft)})
        </Text>
      ),
    },
    { header: T.ports, cell: (c) => c.usedByPorts.join(', ') },
    { header: T.isDefault, cell: (c) => yesNo(c.isDefault) },
    {
      header: T.warnings,
      cell: (c) => (
        <Stack gap={4} align="flex-start">
          {c.warnings.map((w) => (
            <Badge key={w} color="red" variant="light" tt="none" h="auto" py={2} style={{ whiteSpace: 'normal', textAlign: 'left' }}>
              {w}
            </Badge>
          ))}
        </Stack>
      ),
    },
    {
      header: T.actions,
      cell: (c) => (
        <RowActions>
          <ActionButton
            label={T.exportCa}
            feedback={fb}
            runKey={`export-${c.id}`}
            action={() => call<CertificateExport>('certificates', 'export', { id: c.id, part: 'ca' })}
            success={false}
            after={(x) => downloadFile(x.filename, x.pem, 'application/x-pem-file')}
          />
          <RemoveButton feedback={fb} ns="certificates" id={c.id} title={T.removeTitle} message={fmt(T.removeMessage, { name: c.name })} after={certs.reload} />
        </RowActions>
      ),
    },
  ];

  return (
    <PageFrame title={T.title} feedback={fb} loadError={certs.error}>
      {warnings.length > 0 && (
        <Alert color="yellow" role="status" title={T.importWarnings}>
          <List size="sm">
            {warnings.map((w) => (
              <List.Item key={w}>{w}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      <DataTable columns={columns} rows={certs.data} rowKey={(c) => c.id} empty={T.empty} minWidth={1000} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
        <Section title={T.generateTitle}>
          <SubmitForm label={T.generateTitle} submit={T.generate} onSubmit={generate} loading={fb.busy === 'generate'}>
            <TextInput label={T.certificateName} value={genName} onChange={(e) => setGenName(e.currentTarget.value)} error={fb.error('genName')} />
            <TextInput label={T.hostName} description={T.hostNameHint} value={genHost} onChange={(e) => setGenHost(e.currentTarget.value)} error={fb.error('genHost')} />
            <Checkbox label={T.localCa} aria-label={T.localCa} description={T.localCaHint} checked={genLocalCa} onChange={(e) => setGenLocalCa(e.currentTarget.checked)} />
          </SubmitForm>
        </Section>
        <Section title={T.importTitle}>
          <SubmitForm label={T.importTitle} submit={T.import} onSubmit={importFile} loading={fb.busy === 'import'}>
            <FileInput
              label={T.file}
              description={T.fileHint}
              placeholder={T.filePlaceholder}
              accept=".pem,.crt,.cer,.key,.pfx,.p12"
              value={file}
              onChange={chooseFile}
              clearable
              error={fb.error('impFile')}
            />
            <PasswordInput label={T.passphrase} description={T.passphraseHint} value={passphrase} onChange={(e) => setPassphrase(e.currentTarget.value)} error={fb.error('impPass')} autoComplete="off" />
            <TextInput label={T.certificateName} value={impName} onChange={(e) => setImpName(e.currentTarget.value)} error={fb.error('impName')} />
          </SubmitForm>
        </Section>
      </SimpleGrid>
    </PageFrame>
  );
}
