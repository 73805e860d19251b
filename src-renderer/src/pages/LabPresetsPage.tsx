// Utilities › Lab presets: the classroom set-ups a teacher switches between during a course
// (telnet sessions in clear, then STARTTLS required, then the SSL/TLS ports), each applied in one
// click and reverted in one click. The server remembers what each one changed; the cards show
// what it does, whether it is applied and since when.
import { Badge, Card, Group, List, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { LabPreset, LabPresetId } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { ActionButton, ConfirmActionButton, PageFrame, dateTime, useAsync, useConfigChanged, useFeedback, type Feedback } from './shared';

const T = strings({
  title: 'Lab presets',
  intro:
    'Ready-made classroom set-ups. Applying one remembers every value it changes, and Revert puts them back, except those you have changed by hand since, which stay as you left them.',
  names: {
    'telnet-lab': 'Telnet lab',
    'starttls-required': 'STARTTLS required',
    'implicit-tls': 'SSL/TLS ports',
  } satisfies Record<LabPresetId, string>,
  uses: {
    'telnet-lab':
      'For the first lessons, when students type SMTP, POP3 and IMAP commands by hand with telnet or nc. Passwords travel in clear: use it only on the classroom network, and revert it when the lesson is over.',
    'starttls-required':
      'When the lesson moves on to security: mail clients must start TLS before they send a password, as Dovecot does with "ssl = required". Students can check it with openssl s_client -starttls.',
    'implicit-tls':
      'To show TLS from the first byte: SMTP 465, POP3 995 and IMAP 993 with the server\'s certificate. Clients warn about a self-signed certificate; accept it, or import the school\'s own.',
  } satisfies Record<LabPresetId, string>,
  changes: 'What it changes',
  applied: 'Applied',
  appliedSince: 'Applied since {date}',
  notApplied: 'Not applied',
  apply: 'Apply',
  revert: 'Revert',
  revertTitle: 'Revert "{name}"?',
  revertMessage: 'The values this preset changed go back to what they were before it was applied. Those you have changed by hand since stay as they are; the log says which.',
  appliedNotice: '"{name}" applied',
  revertedNotice: '"{name}" reverted',
});

export function LabPresetsPage() {
  const fb = useFeedback();
  const presets = useAsync(() => call<LabPreset[]>('presets', 'list'), []);
  // Applied or reverted elsewhere (another window, the CLI), or values changed by hand.
  useConfigChanged('all', presets.reload);

  return (
    <PageFrame title={T.title} feedback={fb} loadError={presets.error}>
      <Text size="sm" c="dimmed" maw={800}>
        {T.intro}
      </Text>
      <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="lg">
        {presets.data?.map((p) => <PresetCard key={p.id} preset={p} feedback={fb} reload={presets.reload} />)}
      </SimpleGrid>
    </PageFrame>
  );
}

function PresetCard({ preset, feedback, reload }: { preset: LabPreset; feedback: Feedback; reload: () => Promise<void> }) {
  const name = T.names[preset.id];
  return (
    <Card withBorder padding="lg" component="section" aria-label={name}>
      <Stack gap="sm" h="100%">
        <Group justify="space-between" wrap="nowrap">
          <Title order={4}>{name}</Title>
          <Badge color={preset.applied ? 'green' : 'gray'} variant="light">
            {preset.applied ? T.applied : T.notApplied}
          </Badge>
        </Group>
        <Text size="sm">{T.uses[preset.id]}</Text>
        <Text size="sm" fw={600}>
          {T.changes}
        </Text>
        <List size="sm" spacing={4}>
          {preset.changes.map((c) => (
            <List.Item key={c}>{c}</List.Item>
          ))}
        </List>
        {preset.applied && (
          <Text size="sm" c="green">
            {fmt(T.appliedSince, { date: dateTime(preset.appliedAt) })}
          </Text>
        )}
        <Group mt="auto">
          {preset.applied ? (
            <ConfirmActionButton
              label={T.revert}
              title={fmt(T.revertTitle, { name })}
              message={T.revertMessage}
              color="orange"
              size="sm"
              feedback={feedback}
              runKey={`revert-${preset.id}`}
              action={() => call<LabPreset[]>('presets', 'revert', { id: preset.id })}
              success={() => fmt(T.revertedNotice, { name })}
              after={reload}
            />
          ) : (
            <ActionButton
              label={T.apply}
              size="sm"
              variant="filled"
              feedback={feedback}
              runKey={`apply-${preset.id}`}
              action={() => call<LabPreset[]>('presets', 'apply', { id: preset.id })}
              success={() => fmt(T.appliedNotice, { name })}
              after={reload}
            />
          )}
        </Group>
      </Stack>
    </Card>
  );
}
