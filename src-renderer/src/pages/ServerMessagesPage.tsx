// hMailAdmin's Settings › Advanced › Server messages: the text of the report a sender gets when
// their message cannot be delivered (empty: the built-in text).
import { Button, Code, Group, List, Text, TextInput, Textarea } from '@mantine/core';
import type { SettingKey } from '../../../src-main/shared/model/settings';
import { strings } from '../i18n';
import { Section, SettingsPage } from './shared';

const T = strings({
  title: 'Server messages',
  undeliverable: 'Message undeliverable',
  undeliverableHint: 'Sent back to the sender when a message cannot be delivered. Empty: the built-in text is used.',
  subject: 'Subject',
  subjectPlaceholder: 'Undelivered Mail Returned to Sender',
  body: 'Body',
  bodyPlaceholder: 'The built-in text: which recipients failed and why.',
  macros: 'These words are replaced, in the subject and in the body:',
  // Each macro (not translated) and what it stands for.
  macroList: {
    '%MACRO_RECIPIENTS%': 'the recipients that failed, each with its error (in the subject: the addresses)',
    '%MACRO_SUBJECT%': 'the subject of the original message',
    '%MACRO_SENT%': 'when the original message was sent',
    '%MACRO_ERROR%': 'the errors, one a line',
  },
  builtIn: 'Use the built-in text',
  builtInHint: 'Empties both; Save to keep it.',
});

const SUBJECT: SettingKey = 'messages.undeliverable.subject';
const BODY: SettingKey = 'messages.undeliverable.body';
const KEYS: readonly SettingKey[] = [SUBJECT, BODY];

export function ServerMessagesPage() {
  return (
    <SettingsPage title={T.title} keys={KEYS} maw={760}>
      {(form) => (
        <Section title={T.undeliverable} description={T.undeliverableHint}>
          <TextInput label={T.subject} placeholder={T.subjectPlaceholder} {...form.text(SUBJECT)} />
          <Textarea label={T.body} placeholder={T.bodyPlaceholder} autosize minRows={8} maxRows={24} {...form.text(BODY)} />
          <Text size="sm">{T.macros}</Text>
          <List size="sm">
            {Object.entries(T.macroList).map(([macro, meaning]) => (
              <List.Item key={macro}>
                <Code>{macro}</Code> {meaning}
              </List.Item>
            ))}
          </List>
          <Group>
            <Button
              variant="light"
              onClick={() => {
                form.set(SUBJECT, '');
                form.set(BODY, '');
              }}
            >
              {T.builtIn}
            </Button>
            <Text size="sm" c="dimmed">
              {T.builtInHint}
            </Text>
          </Group>
        </Section>
      )}
    </SettingsPage>
  );
}
