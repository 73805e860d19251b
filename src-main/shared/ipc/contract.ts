// The admin API: one typed contract that Electron IPC, the HTTP web admin and the CLI all expose.
//
// Every method is `namespace.method`, takes at most one input object validated by the zod schema
// listed here, and resolves to the output type listed in `ApiOutputs`. Transports never call a
// service with unvalidated input: they run `API_SCHEMAS[ns][method].safeParse(input)` first and turn
// a failure into an ApiError('VALIDATION', …, field). Channel names are derived, never typed by hand.
import { z } from 'zod';
import * as s from '../schemas';
import type {
  Account,
  Alias,
  BannedIp,
  CertificateDetail,
  CertificateExport,
  CertificateInfo,
  DkimInfo,
  DiagnosticsReport,
  FolderInfo,
  LabPreset,
  MxQueryResult,
  TrafficSample,
  SmartHostTestResult,
  DistributionList,
  Domain,
  IpRange,
  LogEntry,
  PortStatus,
  QueueItem,
  QueueMessage,
  Route,
  ServerStatus,
  TcpIpPort,
} from '../model/entities';
import type { Settings } from '../model/settings';
import type { CHANNELS } from './channels';

const none = z.object({}).strict().optional();

export const API_SCHEMAS = {
  server: { status: none, start: none, stop: none, traffic: none },
  /** hMailServer "Administration password": what the web admin asks for. */
  admin: { setPassword: s.adminPasswordInput },
  settings: {
    get: none,
    set: s.settingSetInput,
    update: z.record(z.string(), z.unknown()),
    reset: z.object({ key: z.string() }),
  },
  domains: {
    list: none,
    get: s.idInput,
    add: s.domainInput,
    update: s.domainUpdate,
    remove: s.idInput,
  },
  accounts: {
    list: s.accountListInput.optional(),
    get: s.idInput,
    add: s.accountInput,
    update: s.accountUpdate,
    setPassword: s.setPasswordInput,
    remove: s.idInput,
    folders: s.idInput,
    addFolder: s.folderInput,
    removeFolder: s.folderInput,
    empty: s.idInput,
  },
  aliases: {
    list: s.accountListInput.optional(),
    add: s.aliasInput,
    update: s.aliasUpdate,
    remove: s.idInput,
  },
  lists: {
    list: s.accountListInput.optional(),
    get: s.idInput,
    add: s.listInput,
    update: s.listUpdate,
    remove: s.idInput,
    addMember: s.listMemberInput,
    removeMember: s.listMemberInput,
  },
  ports: {
    list: none,
    add: s.portInput,
    update: s.portUpdate,
    remove: s.idInput,
    resetDefaults: none,
  },
  ipRanges: {
    list: none,
    add: s.ipRangeInput,
    update: s.ipRangeUpdate,
    remove: s.idInput,
    resetDefaults: none,
  },
  autoban: {
    list: none,
    ban: s.banInput,
    unban: s.idInput,
  },
  certificates: {
    list: none,
    get: s.idInput,
    /** Self-signed, or issued by the local CA (`kind`); `replaceId` renews one in place. */
    generateSelfSigned: s.certificateGenerateInput,
    /** PEM (certificate, chain, key; encrypted keys with their passphrase) or PFX; `replaceId` replaces in place. */
    import: s.certificateImportInput,
    export: s.certificateExportInput,
    remove: s.idInput,
  },
  routes: {
    list: none,
    add: s.routeInput,
    update: s.routeUpdate,
    remove: s.idInput,
  },
  delivery: {
    /** Sends a probe through the smart host now (not queued) and reports each step. */
    testSmartHost: s.smartHostTestInput,
  },
  dkim: {
    get: s.dkimDomainInput,
    /** A new key pair (replacing any): signing starts at once; publish the record first. */
    generate: s.dkimGenerateInput,
    disable: s.dkimDomainInput,
  },
  queue: {
    list: none,
    /** One message: its recipients' status and its header (hMailServer's "Delivery queue" view). */
    get: s.idInput,
    remove: s.idInput,
    clear: none,
    /** Every queued message is due now ("Send now" for the whole queue; `buzon queue flush`). */
    flush: none,
    /** One message is due now. */
    sendNow: s.idInput,
  },
  logs: { recent: s.logsQuery.optional() },
  diagnostics: { mx: s.mxQueryInput, run: none },
  presets: { list: none, apply: s.presetInput, revert: s.presetInput },
  config: {
    export: s.configExportInput.optional(),
    apply: s.configApplyInput,
  },
} as const;

/** An imported certificate, with what deserves a second look (expired, self-signed, weak key …). */
export interface CertificateImport {
  readonly certificate: CertificateInfo;
  readonly warnings: readonly string[];
}

export interface ConfigApplyResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** What each method resolves to. */
export interface ApiOutputs {
  server: { status: ServerStatus; start: ServerStatus; stop: ServerStatus; traffic: TrafficSample[] };
  admin: { setPassword: void };
  settings: { get: Settings; set: Settings; update: Settings; reset: Settings };
  domains: { list: Domain[]; get: Domain; add: Domain; update: Domain; remove: void };
  accounts: {
    list: Account[];
    get: Account;
    add: Account;
    update: Account;
    setPassword: void;
    remove: void;
    folders: FolderInfo[];
    addFolder: FolderInfo[];
    removeFolder: FolderInfo[];
    /** How many messages were removed. */
    empty: number;
  };
  aliases: { list: Alias[]; add: Alias; update: Alias; remove: void };
  lists: {
    list: DistributionList[];
    get: DistributionList;
    add: DistributionList;
    update: DistributionList;
    remove: void;
    addMember: DistributionList;
    removeMember: DistributionList;
  };
  ports: { list: PortStatus[]; add: TcpIpPort; update: TcpIpPort; remove: void; resetDefaults: TcpIpPort[] };
  ipRanges: { list: IpRange[]; add: IpRange; update: IpRange; remove: void; resetDefaults: IpRange[] };
  autoban: { list: BannedIp[]; ban: BannedIp; unban: void };
  certificates: { list: CertificateInfo[]; get: CertificateDetail; generateSelfSigned: CertificateInfo; import: CertificateImport; export: CertificateExport; remove: void };
  routes: { list: Route[]; add: Route; update: Route; remove: void };
  delivery: { testSmartHost: SmartHostTestResult };
  dkim: { get: DkimInfo; generate: DkimInfo; disable: DkimInfo };
  queue: { list: QueueItem[]; get: QueueMessage; remove: void; clear: number; flush: number; sendNow: void };
  logs: { recent: LogEntry[] };
  diagnostics: { mx: MxQueryResult; run: DiagnosticsReport };
  presets: { list: LabPreset[]; apply: LabPreset[]; revert: LabPreset[] };
  config: { export: ConfigDocument; apply: ConfigApplyResult };
}

/** A whole lab setup in one document (`buzon config export|apply`). */
export interface ConfigDocument {
  settings?: Partial<Record<string, unknown>>;
  domains?: unknown[];
  accounts?: unknown[];
  aliases?: unknown[];
  lists?: unknown[];
  ports?: unknown[];
  ipRanges?: unknown[];
  /** With `all: false`, the defaults that the document leaves out (shown as comments in YAML). */
  defaults?: Partial<Record<string, unknown>>;
}

type Schemas = typeof API_SCHEMAS;
export type Namespace = keyof Schemas;
export type MethodOf<N extends Namespace> = keyof Schemas[N] & keyof ApiOutputs[N] & string;

type Caller<S extends z.ZodType, O> = undefined extends z.input<S>
  ? (input?: z.input<S>) => Promise<O>
  : (input: z.input<S>) => Promise<O>;
type Handler<S extends z.ZodType, O> = (input: z.output<S>) => Promise<O> | O;

/** What a client (renderer, CLI, tests) calls. */
export type MainApi = {
  [N in Namespace]: { [M in MethodOf<N>]: Schemas[N][M] extends z.ZodType ? Caller<Schemas[N][M], ApiOutputs[N][M]> : never };
};
/** What the services implement: inputs already validated and defaulted. */
export type MainApiImpl = {
  [N in Namespace]: { [M in MethodOf<N>]: Schemas[N][M] extends z.ZodType ? Handler<Schemas[N][M], ApiOutputs[N][M]> : never };
};

export interface MainEvents {
  'server.statusChanged': ServerStatus;
  'log.entry': LogEntry;
  'config.changed': { readonly area: string };
  'queue.changed': { readonly size: number };
}
export type EventName = keyof MainEvents;
export const EVENT_NAMES = ['server.statusChanged', 'log.entry', 'config.changed', 'queue.changed'] as const satisfies readonly EventName[];

/** Every `namespace.method` channel, derived from the schema table. */
export const API_METHODS: ReadonlyArray<readonly [Namespace, string]> = (Object.keys(API_SCHEMAS) as Namespace[]).flatMap(
  (ns) => Object.keys(API_SCHEMAS[ns]).map((m) => [ns, m] as const),
);
export const channelOf = (ns: string, method: string): string => `${ns}.${method}`;

// Completeness, both ways: an output without a schema, or a schema without an output, fails to compile.
type MissingOutputs = { [N in Namespace]: Exclude<keyof Schemas[N], keyof ApiOutputs[N]> }[Namespace];
type MissingSchemas = { [N in Namespace]: Exclude<keyof ApiOutputs[N], keyof Schemas[N]> }[Namespace];
export const API_COMPLETE: [MissingOutputs | MissingSchemas] extends [never] ? true : never = true;

// CHANNELS (shared/ipc/channels.ts) must list exactly the methods of API_SCHEMAS.
type ChannelTable = typeof CHANNELS;
type ChannelMismatch =
  | { [N in Namespace]: Exclude<keyof Schemas[N], ChannelTable[N][number]> }[Namespace]
  | { [N in Namespace]: Exclude<ChannelTable[N][number], keyof Schemas[N]> }[Namespace]
  | Exclude<keyof ChannelTable, Namespace>
  | Exclude<Namespace, keyof ChannelTable>;
export const CHANNELS_COMPLETE: [ChannelMismatch] extends [never] ? true : never = true;
