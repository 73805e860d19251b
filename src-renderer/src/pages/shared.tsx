// What every page of the settings tree shares: loading with reload, live events, running an
// action with its outcome (field errors next to their input, other errors in a red alert at the
// top, "Saved" after a success), forms and modal editors with their buttons, buttons that run an
// action (after asking first, for Remove and Restore defaults), a table with its empty state, a
// zone to drop files on, and a form over server settings that sends only the keys that changed.
import { useCallback, useEffect, useRef, useState, type ChangeEvent, type DependencyList, type DragEvent, type FormEvent, type ReactNode } from 'react';
import { Alert, Badge, Button, Group, Loader, Modal, Paper, Select, Stack, Table, Text, Title, type ButtonProps, type MantineColor, type MantineSize, type MantineSpacing, type ModalProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ApiCallError, call, onEvent } from '../api';
import type { MainEvents } from '../../../src-main/shared/ipc/contract';
import type { ListenerState, PortSecurity } from '../../../src-main/shared/model/entities';
import type { SettingKey, Settings } from '../../../src-main/shared/model/settings';
import { fmt, strings } from '../i18n';

const T = strings({
  saved: 'Saved',
  save: 'Save',
  remove: 'Remove',
  removed: 'Removed',
  restore: 'Restore defaults',
  cancel: 'Cancel',
  loading: 'Loading…',
  unknownError: 'Something went wrong',
  yes: 'Yes',
  no: 'No',
  chooseFile: 'Choose a file…',
  chooseFiles: 'Choose files…',
  kb: '{n} KB',
  states: { listening: 'listening', failed: 'failed', stopped: 'stopped', disabled: 'disabled' } satisfies Record<ListenerState, string>,
});

/** hMailServer's "Connection security" choices, shown as the API names them (not translated). */
const SECURITIES: readonly PortSecurity[] = ['none', 'starttls-optional', 'starttls-required', 'tls'];

/** How long a success message stays. */
const NOTICE_MS = 5000;

// ---- errors -------------------------------------------------------------------------------------

/** The message of any error, as a person reads it. */
export function errorText(e: unknown): string {
  if (e instanceof ApiCallError) return e.data.message;
  if (e instanceof Error) return e.message;
  return T.unknownError;
}

/** A validation message without the "field: " the server puts in front (the input shows where). */
function fieldText(e: ApiCallError): string {
  const prefix = `${e.data.field}: `;
  return e.data.message.startsWith(prefix) ? e.data.message.slice(prefix.length) : e.data.message;
}

/** Server field (as in `data.field`, dotted) → the name of the form input that shows its error. */
export type FieldMap = Readonly<Record<string, string>>;

/** A FieldMap where each server field is shown by the input of the same name. */
export function sameFields(names: readonly string[]): FieldMap {
  return Object.fromEntries(names.map((n) => [n, n]));
}

/** The input an error belongs to: its field exactly, else its first segment (`aliases.2` → `aliases`). */
export function errorField(e: unknown, fields: FieldMap | undefined): string | undefined {
  if (!(e instanceof ApiCallError) || !e.data.field || !fields) return undefined;
  const f = e.data.field;
  return fields[f] ?? fields[f.split('.')[0]!];
}

// ---- loading --------------------------------------------------------------------------------------

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  /** Loads again; an older answer that arrives late never replaces a newer one. */
  readonly reload: () => Promise<void>;
}

/** Runs `load` now and whenever `deps` change; `reload()` runs it again (after a change). */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const latest = useRef(load);
  latest.current = load;
  const seq = useRef(0);

  const reload = useCallback(async () => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await latest.current();
      if (n === seq.current) setState({ data, loading: false });
    } catch (e) {
      if (n === seq.current) setState((s) => ({ data: s.data, error: errorText(e), loading: false }));
    }
  }, []);

  useEffect(() => {
    setState({ loading: true });
    void reload();
    return () => {
      seq.current++;
    };
  }, deps);

  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Calls `fn` on each `event` from the server while the page is shown. */
export function useEvent<E extends keyof MainEvents>(event: E, fn: (payload: MainEvents[E]) => void): void {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => onEvent(event, (p) => latest.current(p)), [event]);
}

/** A config.changed burst (a preset changes several areas, one event each) settles in this long. */
const CHANGED_SETTLE_MS = 50;

/**
 * Runs `reload` when the configuration changes in one of `areas` ('all': any), or wholesale
 * ('config': a backup restored) or in another process ('external': the CLI). A burst of events
 * makes one reload. Returns the same debounced trigger, for other events that need the same
 * reload (server.statusChanged), so that they merge with it.
 */
export function useConfigChanged(areas: readonly string[] | 'all', reload: () => unknown): () => void {
  const latest = useRef(reload);
  latest.current = reload;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const schedule = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void latest.current();
    }, CHANGED_SETTLE_MS);
  }, []);
  useEvent('config.changed', ({ area }) => {
    if (areas === 'all' || area === 'config' || area === 'external' || areas.includes(area)) schedule();
  });
  return schedule;
}

// ---- actions and their outcome ----------------------------------------------------------------------

export interface RunOptions<R> {
  /** Which inputs show which server field errors; errors about other fields go to the alert. */
  readonly fields?: FieldMap;
  /** After a success: `true` shows "Saved"; a function gives the message. */
  readonly success?: true | ((result: R) => string);
  /** After a success, before its message (a reload, clearing the form …). */
  readonly after?: (result: R) => unknown;
}

export interface Feedback {
  /** An error that no input shows: the red alert. */
  readonly alert: string | undefined;
  /** The green message after a success ("Saved"). */
  readonly notice: string | undefined;
  /** The key of the action running now. */
  readonly busy: string | undefined;
  /** The error to show on input `name`. */
  error(name: string): string | undefined;
  /** Runs an action: clears the previous outcome, then shows this one. Resolves to its result, or undefined if it failed. */
  run<R>(key: string, fn: () => Promise<R>, options?: RunOptions<R>): Promise<R | undefined>;
  /** Shows a green message (default "Saved"), e.g. after a modal that ran the action closed. */
  notify(message?: string): void;
  clear(): void;
}

export function useFeedback(): Feedback {
  const [alert, setAlert] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});

  useEffect(() => {
    if (notice === undefined) return;
    const t = setTimeout(() => setNotice(undefined), NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice]);

  const clear = useCallback(() => {
    setAlert(undefined);
    setNotice(undefined);
    setErrors({});
  }, []);

  const run = useCallback(
    async <R,>(key: string, fn: () => Promise<R>, options: RunOptions<R> = {}): Promise<R | undefined> => {
      clear();
      setBusy(key);
      try {
        const r = await fn();
        await options.after?.(r);
        if (options.success) setNotice(options.success === true ? T.saved : options.success(r));
        return r;
      } catch (e) {
        const input = errorField(e, options.fields);
        if (input !== undefined && e instanceof ApiCallError) setErrors({ [input]: fieldText(e) });
        else setAlert(errorText(e));
        return undefined;
      } finally {
        setBusy(undefined);
      }
    },
    [clear],
  );

  return {
    alert,
    notice,
    busy,
    error: (name) => errors[name],
    run,
    notify: (message = T.saved) => setNotice(message),
    clear,
  };
}

/** The red alert (role alert) and the green notice (role status) of a page or a modal. */
export function FeedbackAlerts({ feedback, loadError }: { feedback?: Feedback; loadError?: string | undefined }) {
  const problems = [...new Set([feedback?.alert, loadError].filter((x): x is string => x !== undefined))];
  return (
    <>
      {problems.map((p) => (
        <Alert key={p} color="red" role="alert">
          {p}
        </Alert>
      ))}
      {feedback?.notice !== undefined && (
        <Alert color="green" role="status">
          {feedback.notice}
        </Alert>
      )}
    </>
  );
}

/** A page of the settings tree: its title (hMailServer's name of the node), its alerts, its content. */
export function PageFrame({
  title,
  feedback,
  loadError,
  actions,
  children,
}: {
  title: string;
  feedback: Feedback;
  loadError?: string | undefined;
  /** Buttons at the right of the title. */
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={3}>{title}</Title>
        {actions !== undefined && <Group gap="xs">{actions}</Group>}
      </Group>
      <FeedbackAlerts feedback={feedback} loadError={loadError} />
      {children}
    </Stack>
  );
}

/** A section heading inside a page, with a line that explains it. */
export function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="xs">
      <Title order={4}>{title}</Title>
      {description !== undefined && (
        <Text size="sm" c="dimmed">
          {description}
        </Text>
      )}
      {children}
    </Stack>
  );
}

/** A form's onSubmit: runs `fn` instead of the browser's submission. */
const submitted = (fn: () => unknown) => (e: FormEvent) => {
  e.preventDefault();
  void fn();
};

/**
 * A form: its inputs, then its submit button (and `extra` buttons beside it). Enter in an input
 * submits it; `onSubmit` runs without the page reloading.
 */
export function SubmitForm({
  submit,
  onSubmit,
  loading,
  disabled,
  label,
  maw,
  gap = 'sm',
  extra,
  children,
}: {
  submit: string;
  onSubmit: () => unknown;
  loading?: boolean;
  disabled?: boolean;
  /** The form's accessible name, where a page has several. */
  label?: string;
  maw?: number;
  gap?: MantineSpacing;
  extra?: ReactNode;
  children: ReactNode;
}) {
  return (
    <form aria-label={label} onSubmit={submitted(onSubmit)}>
      <Stack gap={gap} maw={maw}>
        {children}
        <Group>
          <Button type="submit" loading={loading} disabled={disabled}>
            {submit}
          </Button>
          {extra}
        </Group>
      </Stack>
    </form>
  );
}

/** An editor in a modal: its own alerts, its inputs, then Cancel and the submit button (default "Save"). */
export function FormModal({
  title,
  feedback,
  submit = T.save,
  onSubmit,
  onClose,
  size,
  children,
}: {
  title: string;
  feedback: Feedback;
  submit?: string;
  onSubmit: () => unknown;
  onClose: () => void;
  size?: ModalProps['size'];
  children: ReactNode;
}) {
  return (
    <Modal opened onClose={onClose} title={title} centered size={size}>
      <form onSubmit={submitted(onSubmit)}>
        <Stack gap="sm">
          <FeedbackAlerts feedback={feedback} />
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {T.cancel}
            </Button>
            <Button type="submit" loading={feedback.busy !== undefined}>
              {submit}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

// ---- controls ---------------------------------------------------------------------------------------

/** An action run through a page's Feedback: its button spins while it runs, then "Saved" (or `success`) or the error. */
export interface ActionProps<R> {
  readonly feedback: Feedback;
  /** The key of the action (unique on the page, e.g. `remove-3`). */
  readonly runKey: string;
  readonly action: () => Promise<R>;
  /** Default: "Saved"; false: no message. */
  readonly success?: RunOptions<R>['success'] | false;
  /** After a success: a reload … */
  readonly after?: RunOptions<R>['after'];
}

function runAction<R>({ feedback, runKey, action, success = true, after }: ActionProps<R>): Promise<R | undefined> {
  return feedback.run(runKey, action, { success: success === false ? undefined : success, after });
}

/** The buttons of a table row, side by side. */
export function RowActions({ children }: { children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap">
      {children}
    </Group>
  );
}

/** The small button of a table row or a page's header (Edit, Show, Add …). */
export function SmallButton({ label, onClick, variant = 'light' }: { label: string; onClick: () => unknown; variant?: ButtonProps['variant'] }) {
  return (
    <Button size="xs" variant={variant} onClick={() => void onClick()}>
      {label}
    </Button>
  );
}

/**
 * A button that runs an action at once (Send now, Unban …): small and light in a table row; a
 * page's main action is `size="sm" variant="filled"`. `name`: its accessible name when the label
 * alone is vague in a table ("Remove INBOX").
 */
export function ActionButton<R>({
  label,
  name,
  variant = 'light',
  size = 'xs',
  disabled,
  ...action
}: ActionProps<R> & { label: string; name?: string; variant?: ButtonProps['variant']; size?: MantineSize; disabled?: boolean }) {
  return (
    <Button size={size} variant={variant} aria-label={name} disabled={disabled} loading={action.feedback.busy === action.runKey} onClick={() => void runAction(action)}>
      {label}
    </Button>
  );
}

/** A ConfirmButton whose confirmation runs an action (Remove, Restore defaults, Clear …). */
export function ConfirmActionButton<R>({
  label,
  name,
  title,
  message,
  color,
  size,
  ...action
}: ActionProps<R> & { label: string; name?: string; title: string; message: ReactNode; color?: MantineColor; size?: MantineSize }) {
  return (
    <ConfirmButton
      label={label}
      name={name}
      title={title}
      message={message}
      color={color}
      size={size}
      loading={action.feedback.busy === action.runKey}
      onConfirm={() => runAction(action)}
    />
  );
}

/** A button that asks in a modal first; the modal's own button (`confirmLabel`) does it. */
export function ConfirmButton({
  label,
  name,
  confirmLabel = label,
  title,
  message,
  onConfirm,
  color = 'red',
  size = 'xs',
  loading,
}: {
  label: string;
  /** The button's accessible name, when it says more than `label` (which it must start with). */
  name?: string;
  confirmLabel?: string;
  title: string;
  message: ReactNode;
  onConfirm: () => unknown;
  color?: MantineColor;
  size?: MantineSize;
  loading?: boolean;
}) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button size={size} color={color} variant="light" aria-label={name} onClick={open} loading={loading}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title} centered>
        <Stack>
          <Text size="sm">{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {T.cancel}
            </Button>
            <Button
              color={color}
              onClick={() => {
                close();
                void onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** Remove, after a confirmation: `<ns>.remove` of row `id`, then "Removed" and `after` (a reload). */
export function RemoveButton({
  feedback,
  ns,
  id,
  title,
  message,
  after,
  size,
}: {
  feedback: Feedback;
  /** The API namespace (domains, routes …). */
  ns: string;
  id: number;
  title: string;
  message: ReactNode;
  after?: () => unknown;
  size?: MantineSize;
}) {
  return (
    <ConfirmActionButton
      label={T.remove}
      title={title}
      message={message}
      size={size}
      feedback={feedback}
      runKey={`remove-${ns}-${id}`}
      action={() => call<void>(ns, 'remove', { id })}
      success={() => T.removed}
      after={after}
    />
  );
}

/** "Restore defaults", after a confirmation: `<ns>.resetDefaults`, then "Saved" and `after` (a reload). */
export function RestoreDefaultsButton({ feedback, ns, title, message, after }: { feedback: Feedback; ns: string; title: string; message: ReactNode; after: () => unknown }) {
  return (
    <ConfirmActionButton label={T.restore} color="orange" title={title} message={message} feedback={feedback} runKey={`restore-${ns}`} action={() => call<unknown>(ns, 'resetDefaults')} after={after} />
  );
}

/** The "Connection security" Select of a port or an outgoing connection. */
export function SecuritySelect({ label, value, onChange, error }: { label: string; value: PortSecurity; onChange: (v: PortSecurity) => void; error: string | undefined }) {
  return <Select label={label} data={[...SECURITY_OPTIONS]} value={value} onChange={(v) => v && onChange(v as PortSecurity)} allowDeselect={false} error={error} />;
}

/**
 * A zone to drop files on (plain HTML5 drag and drop), with a "Choose files…" button for the
 * keyboard and for those who do not drag: both hand the files to `onFiles` (only the first one
 * unless `multiple`). It is a group named `label`; `data-hover` is set while files are over it.
 */
export function DropZone({
  label,
  title,
  hint,
  accept,
  multiple = false,
  disabled = false,
  error,
  onFiles,
  children,
}: {
  label: string;
  /** What to drop, in bold. */
  title: string;
  hint?: ReactNode;
  /** The file picker's `accept` (".csv,text/csv"). */
  accept: string;
  multiple?: boolean;
  disabled?: boolean;
  /** Shown under the zone, whose border turns red. */
  error?: string | undefined;
  onFiles: (files: File[]) => unknown;
  /** More buttons beside "Choose" (Clear …). */
  children?: ReactNode;
}) {
  const [hover, setHover] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const choose = multiple ? T.chooseFiles : T.chooseFile;
  const take = (files: FileList | null) => {
    const list = Array.from(files ?? []);
    if (list.length > 0 && !disabled) void onFiles(multiple ? list : list.slice(0, 1));
  };
  // dragover must be cancelled for the drop to happen at all.
  const over = (e: DragEvent) => {
    e.preventDefault();
    if (!disabled) setHover(true);
  };
  return (
    <Stack gap={4}>
      <Paper
        withBorder
        p="md"
        role="group"
        aria-label={label}
        data-hover={hover || undefined}
        onDragEnter={over}
        onDragOver={over}
        onDragLeave={(e) => {
          // Moving onto a child is not leaving.
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setHover(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setHover(false);
          take(e.dataTransfer.files);
        }}
        style={{
          borderStyle: 'dashed',
          borderWidth: 2,
          textAlign: 'center',
          borderColor: hover ? 'var(--mantine-color-blue-6)' : error ? 'var(--mantine-color-red-6)' : undefined,
          background: hover ? 'var(--mantine-color-blue-light)' : undefined,
        }}
      >
        <Stack gap="xs" align="center">
          <Text fw={500}>{title}</Text>
          {hint !== undefined && (
            <Text size="xs" c="dimmed">
              {hint}
            </Text>
          )}
          <Group gap="xs">
            <Button variant="light" size="xs" disabled={disabled} onClick={() => picker.current?.click()}>
              {choose}
            </Button>
            {children}
          </Group>
          <input
            ref={picker}
            type="file"
            multiple={multiple}
            hidden
            accept={accept}
            aria-label={choose}
            onChange={(e) => {
              take(e.currentTarget.files);
              // The same file chosen again must fire change again.
              e.currentTarget.value = '';
            }}
          />
        </Stack>
      </Paper>
      {error !== undefined && (
        <Text size="sm" c="red">
          {error}
        </Text>
      )}
    </Stack>
  );
}

export interface Column<R> {
  readonly header: string;
  readonly cell: (row: R) => ReactNode;
}

/** A table, a loader before the first answer, or the empty state that says what to do next. */
export function DataTable<R>({
  columns,
  rows,
  rowKey,
  empty,
  minWidth,
  selected,
}: {
  columns: readonly Column<R>[];
  rows: readonly R[] | undefined;
  rowKey: (row: R) => string | number;
  empty: string;
  minWidth?: number;
  /** The row shown as chosen (its editor is open). */
  selected?: (row: R) => boolean;
}) {
  if (rows === undefined) return <Loader size="sm" aria-label={T.loading} />;
  if (rows.length === 0) return <Text c="dimmed">{empty}</Text>;
  const table = (
    <Table striped highlightOnHover>
      <Table.Thead>
        <Table.Tr>
          {columns.map((c, i) => (
            <Table.Th key={i}>{c.header}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={rowKey(r)} bg={selected?.(r) ? 'var(--mantine-primary-color-light)' : undefined}>
            {columns.map((c, i) => (
              <Table.Td key={i}>{c.cell(r)}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
  return minWidth ? <Table.ScrollContainer minWidth={minWidth}>{table}</Table.ScrollContainer> : table;
}

/** Yes / No for a boolean cell. */
export const yesNo = (b: boolean): string => (b ? T.yes : T.no);

/** The state of a listener (a TCP/IP port) as shown. */
export const listenerStateLabel = (s: ListenerState): string => T.states[s];

const STATE_COLOR: Record<ListenerState, MantineColor> = { listening: 'green', failed: 'red', stopped: 'gray', disabled: 'gray' };

/** The state of a listener as a coloured badge (green: listening, red: failed). */
export function ListenerStateBadge({ state }: { state: ListenerState }) {
  return (
    <Badge color={STATE_COLOR[state]} variant="light">
      {listenerStateLabel(state)}
    </Badge>
  );
}

/** A size in bytes as whole kilobytes, rounded up (a byte is 1 KB, not 0). */
export const kb = (bytes: number): string => fmt(T.kb, { n: Math.ceil(bytes / 1024) });

/** `name` alone becomes `name@domain`; a full address stays as typed (trimmed). */
export function qualify(address: string, domain: string): string {
  const a = address.trim();
  return a === '' || a.includes('@') ? a : `${a}@${domain}`;
}

/** A connection security as shown. */
export const securityLabel = (s: PortSecurity): string => s;

/** The choices of a "Security" Select. */
export const SECURITY_OPTIONS: readonly { value: PortSecurity; label: string }[] = SECURITIES.map((value) => ({ value, label: securityLabel(value) }));

/** A date and time in the reader's locale ('' for none). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A NumberInput's value as the API takes it: a number when it is one, else as typed (the server says what is wrong). */
export function numberValue(v: number | string): number | string {
  if (typeof v === 'number') return v;
  return v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** Saves `text` as a file named `filename` (a Blob link). */
export function downloadFile(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- a form's draft of an entity ---------------------------------------------------------------------------

/**
 * A form's draft of some of an entity's stored values (`pick`): what is typed stays whatever
 * reloads the entity meanwhile, and takes the stored values again only after the form's own save
 * (`saved(stored)`). Key the component by the entity's id, so that another entity starts afresh.
 */
export function useDraft<S, V extends object>(stored: S, pick: (s: S) => V): [V, <K extends keyof V>(key: K, value: V[K]) => void, (saved: S) => void] {
  const [draft, setDraft] = useState(() => pick(stored));
  return [draft, (key, value) => setDraft((v) => ({ ...v, [key]: value })), (saved) => setDraft(pick(saved))];
}

// ---- an editor in a modal, opened from a list ---------------------------------------------------------------

export interface ModalEditor<E> {
  /** What the editor edits now; undefined: it is closed. */
  readonly editing: E | undefined;
  open(e: E): void;
  close(): void;
  /** After the editor saved: closes it, says "Saved" on the page, reloads the list. */
  saved(): Promise<void>;
}

/** The state of a list page's modal editor (Edit on a row, Add over the list). */
export function useModalEditor<E>(feedback: Feedback, reload: () => Promise<void>): ModalEditor<E> {
  const [editing, setEditing] = useState<E | undefined>();
  return {
    editing,
    open: (e) => {
      feedback.clear();
      setEditing(e);
    },
    close: () => setEditing(undefined),
    saved: () => {
      setEditing(undefined);
      feedback.notify();
      return reload();
    },
  };
}

// ---- a form over server settings ------------------------------------------------------------------------

type SettingValues = Partial<Record<SettingKey, unknown>>;

export interface SettingsForm {
  /** The settings have loaded. */
  readonly ready: boolean;
  readonly loadError: string | undefined;
  readonly saving: boolean;
  /** Sends the keys whose value differs from the stored one (none: nothing to send), then reloads. */
  save(): Promise<void>;
  /** Changes a value in the form (sent on Save). */
  set(key: SettingKey, value: unknown): void;
  /** Props for a Mantine NumberInput, TextInput/PasswordInput/Textarea, Switch/Checkbox or Select. */
  number(key: SettingKey): { value: number | string; onChange: (v: number | string) => void; error: string | undefined };
  text(key: SettingKey): { value: string; onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => void; error: string | undefined };
  check(key: SettingKey): { checked: boolean; onChange: (e: ChangeEvent<HTMLInputElement>) => void; error: string | undefined };
  select(key: SettingKey): { value: string; onChange: (v: string | null) => void; error: string | undefined };
}

/**
 * The settings `keys` as a form: `settings.get` fills it, Save sends `settings.update` with only
 * the changed keys. A secret comes back as '********' when set: left as it is, it is not sent
 * (and would keep the stored secret if it were).
 */
export function useSettingsForm(keys: readonly SettingKey[], feedback: Feedback): SettingsForm {
  const stored = useAsync(() => call<Settings>('settings', 'get'), []);
  const [values, setValues] = useState<SettingValues>({});

  useEffect(() => {
    const s = stored.data;
    if (s) setValues(Object.fromEntries(keys.map((k) => [k, s[k]])));
  }, [stored.data]);

  const set = (key: SettingKey, value: unknown) => setValues((v) => ({ ...v, [key]: value }));

  const save = async () => {
    const s = stored.data;
    if (!s) return;
    const changed: SettingValues = {};
    for (const k of keys) {
      const v = typeof values[k] === 'string' && typeof s[k] === 'number' ? numberValue(values[k] as string) : values[k];
      if (v !== undefined && v !== s[k]) changed[k] = v;
    }
    await feedback.run('save', async () => (Object.keys(changed).length > 0 ? call<Settings>('settings', 'update', changed) : s), {
      fields: sameFields(keys),
      success: true,
      after: () => stored.reload(),
    });
  };

  return {
    ready: stored.data !== undefined,
    loadError: stored.error,
    saving: feedback.busy === 'save',
    save,
    set,
    number: (key) => ({ value: (values[key] as number | string | undefined) ?? '', onChange: (v) => set(key, v), error: feedback.error(key) }),
    text: (key) => ({ value: String(values[key] ?? ''), onChange: (e) => set(key, e.currentTarget.value), error: feedback.error(key) }),
    check: (key) => ({ checked: values[key] === true, onChange: (e) => set(key, e.currentTarget.checked), error: feedback.error(key) }),
    select: (key) => ({
      value: String(values[key] ?? ''),
      onChange: (v) => {
        if (v !== null) set(key, v);
      },
      error: feedback.error(key),
    }),
  };
}

/** The form of a settings page: its inputs over `form`, then Save. */
export function SettingsFormView({ form, maw, gap, children }: { form: SettingsForm; maw?: number; gap?: MantineSpacing; children: ReactNode }) {
  return (
    <SubmitForm submit={T.save} onSubmit={form.save} loading={form.saving} disabled={!form.ready} maw={maw} gap={gap}>
      {children}
    </SubmitForm>
  );
}

/** A page that is one settings form: its title, its alerts, the inputs `children` draws over the form, Save. */
export function SettingsPage({ title, keys, maw, gap, children }: { title: string; keys: readonly SettingKey[]; maw?: number; gap?: MantineSpacing; children: (form: SettingsForm) => ReactNode }) {
  const fb = useFeedback();
  const form = useSettingsForm(keys, fb);
  return (
    <PageFrame title={title} feedback={fb} loadError={form.loadError}>
      <SettingsFormView form={form} maw={maw} gap={gap}>
        {children(form)}
      </SettingsFormView>
    </PageFrame>
  );
}
