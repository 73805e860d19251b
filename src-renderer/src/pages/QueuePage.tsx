// hMailAdmin's Utilities › Delivery queue: the messages waiting to go to other servers, when
// each is tried next and why the last try failed; send one or all now, look inside, remove.
import { useState } from 'react';
import { Badge, Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import type { QueueItem, QueueMessage, QueueRecipient } from '../../../src-main/shared/model/entities';
import { call } from '../api';
import { fmt, strings } from '../i18n';
import { ActionButton, ConfirmActionButton, DataTable, FeedbackAlerts, PageFrame, RemoveButton, RowActions, SmallButton, dateTime, useAsync, useEvent, useFeedback, type Column } from './shared';

const T = strings({
  title: 'Delivery queue',
  id: 'ID',
  created: 'Created',
  from: 'From',
  to: 'To',
  attempts: 'Attempts',
  nextTry: 'Next try',
  lastError: 'Last error',
  actions: 'Actions',
  sendNow: 'Send now',
  show: 'Show',
  removeTitle: 'Remove the message',
  removeMessage: 'Remove message {id} from the queue? It will not be delivered, and its sender is not told.',
  flush: 'Flush',
  clear: 'Clear queue',
  clearTitle: 'Clear the delivery queue',
  clearMessage: 'Remove every message waiting in the queue? They will not be delivered, and their senders are not told.',
  empty: 'The queue is empty: mail for other servers waits here until it is delivered.',
  nullSender: '<>',
  flushedOne: '1 message is being sent now',
  flushed: '{n} messages are being sent now',
  clearedOne: '1 message removed',
  cleared: '{n} messages removed',
  sending: 'Being sent now',
  // "Show"
  messageTitle: 'Message {id}',
  why: 'Why it is queued',
  size: 'Size',
  kb: '{n} KB',
  recipient: 'Recipient',
  status: 'Status',
  header: 'Header',
  close: 'Close',
  statuses: { pending: 'pending', delivered: 'delivered', deferred: 'deferred', bounced: 'bounced' } satisfies Record<QueueRecipient['status'], string>,
});

const STATUS_COLOR: Record<QueueRecipient['status'], string> = { pending: 'blue', delivered: 'green', deferred: 'orange', bounced: 'red' };

export function QueuePage() {
  const fb = useFeedback();
  const queue = useAsync(() => call<QueueItem[]>('queue', 'list'), []);
  const [shown, setShown] = useState<number | undefined>();

  useEvent('queue.changed', () => void queue.reload());

  const columns: Column<QueueItem>[] = [
    { header: T.id, cell: (q) => q.id },
    { header: T.created, cell: (q) => dateTime(q.createdAt) },
    { header: T.from, cell: (q) => q.mailFrom || T.nullSender },
    { header: T.to, cell: (q) => q.recipients.map((r) => r.address).join(', ') },
    { header: T.attempts, cell: (q) => q.attempts },
    { header: T.nextTry, cell: (q) => dateTime(q.nextTryAt) },
    {
      header: T.lastError,
      cell: (q) => (
        <Text size="sm" c="red">
          {q.lastError ?? ''}
        </Text>
      ),
    },
    {
      header: T.actions,
      cell: (q) => (
        <RowActions>
          <ActionButton
            label={T.sendNow}
            feedback={fb}
            runKey={`send-${q.id}`}
            action={() => call<void>('queue', 'sendNow', { id: q.id })}
            success={() => T.sending}
            after={queue.reload}
          />
          <SmallButton label={T.show} onClick={() => setShown(q.id)} />
          <RemoveButton feedback={fb} ns="queue" id={q.id} title={T.removeTitle} message={fmt(T.removeMessage, { id: q.id })} after={queue.reload} />
        </RowActions>
      ),
    },
  ];

  return (
    <PageFrame
      title={T.title}
      feedback={fb}
      loadError={queue.error}
      actions={
        <>
          <ActionButton label={T.flush} variant="filled" feedback={fb} runKey="flush" action={() => call<number>('queue', 'flush')} success={(n) => (n === 1 ? T.flushedOne : fmt(T.flushed, { n }))} after={queue.reload} />
          <ConfirmActionButton
            label={T.clear}
            title={T.clearTitle}
            message={T.clearMessage}
            feedback={fb}
            runKey="clear"
            action={() => call<number>('queue', 'clear')}
            success={(n) => (n === 1 ? T.clearedOne : fmt(T.cleared, { n }))}
            after={queue.reload}
          />
        </>
      }
    >
      <DataTable columns={columns} rows={queue.data} rowKey={(q) => q.id} empty={T.empty} minWidth={1100} />
      {shown !== undefined && <QueueMessageModal id={shown} onClose={() => setShown(undefined)} />}
    </PageFrame>
  );
}

function QueueMessageModal({ id, onClose }: { id: number; onClose: () => void }) {
  const msg = useAsync(() => call<QueueMessage>('queue', 'get', { id }), [id]);
  const m = msg.data;

  const columns: Column<QueueRecipient>[] = [
    { header: T.recipient, cell: (r) => r.address },
    {
      header: T.status,
      cell: (r) => (
        <Badge color={STATUS_COLOR[r.status]} variant="light">
          {T.statuses[r.status]}
        </Badge>
      ),
    },
    {
      header: T.lastError,
      cell: (r) => (
        <Text size="sm" c="red">
          {r.lastError ?? ''}
        </Text>
      ),
    },
  ];

  return (
    <Modal opened onClose={onClose} title={fmt(T.messageTitle, { id })} size="xl">
      <Stack gap="sm">
        <FeedbackAlerts loadError={msg.error} />
        {m && (
          <>
            <Text size="sm">
              {T.why}: {m.reasonText} · {T.size}: {fmt(T.kb, { n: Math.max(1, Math.round(m.size / 1024)) })}
            </Text>
            <DataTable columns={columns} rows={m.recipients} rowKey={(r) => r.address} empty="" />
            <Text size="sm" fw={500}>
              {T.header}
            </Text>
            <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: 360, overflow: 'auto' }}>
              {m.header}
            </Code>
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {T.close}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
