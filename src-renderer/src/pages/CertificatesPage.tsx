// hMailAdmin's Settings › Advanced › SSL certificates: the stored certificates with what needs a
// look, a generator (self-signed, or issued by the server's local CA that a classroom installs
// once), an import of PEM or PFX files (dropped on the page or chosen, several at once: a
// certificate, its chain and its key may come in separate files), and the CA certificate to hand out.
import { useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, List, PasswordInput, Progress, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import type { CertificateExport, CertificateInfo } from '../../../src-main/shared/model/entities';
import type { CertificateImport } from '../../../src-main/shared/ipc/contract';
import { ApiCallError, call } from '../api';
import { fmt, strings } from '../i18n';
import { ActionButton, DataTable, DropZone, errorText, PageFrame, RemoveButton, RowActions, Section, SubmitForm, downloadFile, useAsync, useFeedback, yesNo, type Column } from './shared';

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
  generating: 'Generating the key pair: this takes a few seconds…',
  importTitle: 'Import',
  dropZone: 'Certificate files',
  dropHere: 'Drop the certificate files here',
  fileHint: 'PEM (.pem, .crt, .key): the certificate, its chain and its key, in one file or several. PFX/P12: as exported from Windows.',
  chooseFile: 'drop or choose the PEM or PFX files first',
  clearFiles: 'Clear files',
  pfxFile: 'PFX/P12: certificate, chain and key',
  oneCert: '1 certificate',
  certs: '{n} certificates',
  key: 'private key',
  encryptedKey: 'encrypted private key',
  tooLarge: 'too large for a certificate file',
  noPem: 'no PEM certificate or key in it (convert a binary DER file to PEM first)',
  pfxAlone: 'not used: the PFX file holds the certificate and its key',
  hasCert: 'Certificate',
  noCert: 'No certificate',
  chain: 'Chain: {n}',
  hasKey: 'Private key',
  noKey: 'No private key',
  passphrase: 'Passphrase',
  pfxPassword: 'PFX password',
  passphraseHint: 'Of the PFX file, or of an encrypted private key.',
  import: 'Import',
  importWarnings: 'Imported, but look at this:',
});

/** Server fields of `certificates.generateSelfSigned` → inputs of the Generate form. */
const GENERATE_FIELDS = { name: 'genName', commonName: 'genHost', altNames: 'genHost' };
/** Server fields of `certificates.import` → inputs of the Import form. */
const IMPORT_FIELDS = { name: 'impName', cert: 'impFile', key: 'impFile', certPem: 'impFile', keyPem: 'impFile', pfxBase64: 'impFile', passphrase: 'impPass' };
const ACCEPT = '.pem,.crt,.cer,.key,.pfx,.p12';
/** Certificate files are a few KB; anything bigger was dropped by mistake (and is not read). */
const MAX_BYTES = 1_000_000;

/** How long a certificate has left, as read. */
const daysLeft = (n: number): string => (n < 0 ? T.expired : n === 1 ? T.dayLeft : fmt(T.daysLeft, { n }));

const PFX_RE = /\.(pfx|p12)$/i;

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A file picked for import, and what it holds. */
type Staged =
  | { readonly kind: 'pfx'; readonly name: string; readonly base64: string }
  | { readonly kind: 'pem'; readonly name: string; readonly certs: readonly string[]; readonly keys: readonly string[]; readonly encrypted: boolean }
  | { readonly kind: 'unusable'; readonly name: string; readonly why: string };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const CERT_LABEL = /^(X509 |TRUSTED )?CERTIFICATE$/;
const KEY_LABEL = /^(RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY$/;

/** A PFX/P12 file is kept as base64; anything else is read as PEM text and sorted by its BEGIN lines. */
async function readStaged(file: File): Promise<Staged> {
  const { name } = file;
  if (file.size > MAX_BYTES) return { kind: 'unusable', name, why: T.tooLarge };
  try {
    if (PFX_RE.test(name)) return { kind: 'pfx', name, base64: toBase64(await file.arrayBuffer()) };
    const blocks = [...(await file.text()).matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, text: m[0] }));
    const certs = blocks.filter((b) => CERT_LABEL.test(b.label)).map((b) => b.text);
    const keys = blocks.filter((b) => KEY_LABEL.test(b.label));
    if (certs.length === 0 && keys.length === 0) return { kind: 'unusable', name, why: T.noPem };
    const encrypted = keys.some((k) => k.label.startsWith('ENCRYPTED') || /Proc-Type:\s*4,ENCRYPTED/.test(k.text));
    return { kind: 'pem', name, certs, keys: keys.map((k) => k.text), encrypted };
  } catch (e) {
    return { kind: 'unusable', name, why: errorText(e) };
  }
}

/** Adds newly read files to those staged: a PFX holds everything, so it replaces the rest. */
function stage(current: readonly Staged[], added: readonly Staged[]): Staged[] {
  const pfx = added.find((f) => f.kind === 'pfx');
  if (pfx) return [pfx, ...added.filter((f) => f !== pfx).map((f): Staged => ({ kind: 'unusable', name: f.name, why: T.pfxAlone }))];
  return [...current.filter((f) => f.kind === 'pem' && !added.some((a) => a.name === f.name)), ...added];
}

/** What one staged file holds, as read. */
function describe(f: Staged): string {
  if (f.kind === 'pfx') return T.pfxFile;
  if (f.kind === 'unusable') return f.why;
  const parts = [];
  if (f.certs.length) parts.push(f.certs.length === 1 ? T.oneCert : fmt(T.certs, { n: f.certs.length }));
  if (f.keys.length) parts.push(f.encrypted ? T.encryptedKey : T.key);
  return parts.join(', ');
}

export function CertificatesPage() {
  const fb = useFeedback();
  const certs = useAsync(() => call<CertificateInfo[]>('certificates', 'list'), []);

  const [genName, setGenName] = useState('');
  const [genHost, setGenHost] = useState('');
  const [genLocalCa, setGenLocalCa] = useState(false);

  const [files, setFiles] = useState<Staged[]>([]);
  const [passphrase, setPassphrase] = useState('');
  const [impName, setImpName] = useState('');
  const [warnings, setWarnings] = useState<readonly string[]>([]);

  const pfx = files.find((f) => f.kind === 'pfx');
  const pem = files.flatMap((f) => (f.kind === 'pem' ? [f] : []));
  const certBlocks = pem.flatMap((f) => f.certs);
  const keyBlocks = pem.flatMap((f) => f.keys);
  const needsPassphrase = pfx !== undefined || pem.some((f) => f.encrypted) || fb.error('impPass') !== undefined;

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

  const importFiles = async () => {
    setWarnings([]);
    await fb.run(
      'import',
      async () => {
        // The certificates of every file go together (the server finds the one the key belongs to and orders the chain).
        const content = pfx ? { pfxBase64: pfx.base64 } : certBlocks.length || keyBlocks.length ? { certPem: certBlocks.join('\n'), ...(keyBlocks.length ? { keyPem: keyBlocks.join('\n') } : {}) } : undefined;
        if (!content) throw new ApiCallError({ code: 'VALIDATION', message: T.chooseFile, field: 'certPem' });
        return call<CertificateImport>('certificates', 'import', { name: impName, ...content, ...(passphrase ? { passphrase } : {}) });
      },
      {
        fields: IMPORT_FIELDS,
        success: true,
        after: (r) => {
          setWarnings(r.warnings);
          setFiles([]);
          setPassphrase('');
          setImpName('');
          return certs.reload();
        },
      },
    );
  };

  const addFiles = async (list: readonly File[]) => {
    if (list.length === 0) return;
    fb.clear();
    const read = await Promise.all(list.map(readStaged));
    setFiles((cur) => stage(cur, read));
    setImpName((n) => (n.trim() === '' ? list[0]!.name.replace(/\.[^.]+$/, '') : n));
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
            {fb.busy === 'generate' && (
              <Stack gap={4}>
                <Progress value={100} animated striped aria-label={T.generating} />
                <Text size="xs" c="dimmed">
                  {T.generating}
                </Text>
              </Stack>
            )}
          </SubmitForm>
        </Section>
        <Section title={T.importTitle}>
          <SubmitForm label={T.importTitle} submit={T.import} onSubmit={importFiles} loading={fb.busy === 'import'}>
            <DropZone label={T.dropZone} title={T.dropHere} hint={T.fileHint} accept={ACCEPT} multiple error={fb.error('impFile')} onFiles={addFiles}>
              {files.length > 0 && (
                <Button variant="subtle" size="xs" onClick={() => setFiles([])}>
                  {T.clearFiles}
                </Button>
              )}
            </DropZone>
            {files.length > 0 && (
              <Stack gap={4} data-testid="staged-files">
                <List size="sm">
                  {files.map((f) => (
                    <List.Item key={f.name}>
                      <Text span size="sm" fw={500}>
                        {f.name}
                      </Text>
                      {': '}
                      <Text span size="sm" c={f.kind === 'unusable' ? 'red' : 'dimmed'}>
                        {describe(f)}
                      </Text>
                    </List.Item>
                  ))}
                </List>
                {!pfx && pem.length > 0 && (
                  <Group gap="xs">
                    <Badge color={certBlocks.length ? 'green' : 'red'} variant="light">
                      {certBlocks.length ? T.hasCert : T.noCert}
                    </Badge>
                    {certBlocks.length > 1 && (
                      <Badge color="gray" variant="light">
                        {fmt(T.chain, { n: certBlocks.length - 1 })}
                      </Badge>
                    )}
                    <Badge color={keyBlocks.length ? 'green' : 'red'} variant="light">
                      {keyBlocks.length ? T.hasKey : T.noKey}
                    </Badge>
                  </Group>
                )}
              </Stack>
            )}
            {needsPassphrase && (
              <PasswordInput
                label={pfx ? T.pfxPassword : T.passphrase}
                description={T.passphraseHint}
                value={passphrase}
                onChange={(e) => setPassphrase(e.currentTarget.value)}
                error={fb.error('impPass')}
                autoComplete="off"
              />
            )}
            <TextInput label={T.certificateName} value={impName} onChange={(e) => setImpName(e.currentTarget.value)} error={fb.error('impName')} />
          </SubmitForm>
        </Section>
      </SimpleGrid>
    </PageFrame>
  );
}
