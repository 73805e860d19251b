// The renderer's only way to the engine, one interface over two transports: `window.api`, set by
// the Electron preload (IPC), or, in a browser, the web admin's HTTP API (POST /api/<ns>.<method>
// with the session's CSRF token; events over EventSource). Results arrive as ApiResult and are
// unwrapped here.
import { z } from 'zod';
import { ApiError, type ApiErrorData, type ApiResult } from '../../src-main/shared/ipc/errors';
import type { MainEvents } from '../../src-main/shared/ipc/contract';
import { validateInput } from '../../src-main/shared/ipc/validate';

// zod compiles its validators with `new Function` unless told not to, and the app's CSP has no
// 'unsafe-eval' (it would be refused and reported on the console).
z.config({ jitless: true });

type Bridge = Record<string, Record<string, (input?: unknown) => Promise<ApiResult<unknown>>>> & {
  on<E extends keyof MainEvents>(event: E, fn: (payload: MainEvents[E]) => void): () => void;
};

export class ApiCallError extends Error {
  constructor(readonly data: ApiErrorData) {
    super(data.message);
  }
}

function bridge(): Bridge | undefined {
  return (window as unknown as { api?: Bridge }).api;
}

/** True in the desktop app (the preload's bridge); false in a browser (the web admin). */
export const isDesktop = (): boolean => bridge() !== undefined;

let csrfToken: string | undefined;

async function http(path: string, body?: unknown): Promise<ApiResult<unknown>> {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(csrfToken ? { 'X-CSRF-Token': csrfToken } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  return (await r.json()) as ApiResult<unknown>;
}

/** Web admin: whether this browser has a session (and its CSRF token, kept for the calls). */
export async function webSession(): Promise<boolean> {
  const r = (await (await fetch('/api/session', { credentials: 'same-origin' })).json()) as ApiResult<{ authenticated: boolean; csrfToken?: string }>;
  if (!r.ok) return false;
  csrfToken = r.value.csrfToken;
  return r.value.authenticated;
}

/** Web admin: logs on with the administration password; throws ApiCallError with the reason. */
export async function webLogin(password: string): Promise<void> {
  const r = (await http('/api/login', { password })) as ApiResult<{ csrfToken: string }>;
  if (!r.ok) throw new ApiCallError(r.error);
  csrfToken = r.value.csrfToken;
}

export async function webLogout(): Promise<void> {
  await http('/api/logout');
  csrfToken = undefined;
}

/**
 * Calls `ns.method`. The input is first checked with the contract's own zod schema, so a form's
 * bad field gets its error at once, worded as the server would word it; the server checks again
 * (it trusts no client), and what it answers is what counts.
 */
export async function call<T>(ns: string, method: string, input?: unknown): Promise<T> {
  try {
    validateInput(ns, method, input);
  } catch (e) {
    throw e instanceof ApiError ? new ApiCallError(e.toData()) : e;
  }
  const b = bridge();
  const r = b ? await b[ns]![method]!(input) : await http(`/api/${ns}.${method}`, input);
  if (!r.ok) throw new ApiCallError(r.error);
  return r.value as T;
}

let events: EventSource | undefined;

export function onEvent<E extends keyof MainEvents>(event: E, fn: (payload: MainEvents[E]) => void): () => void {
  const b = bridge();
  if (b) return b.on(event, fn);
  events ??= new EventSource('/api/events');
  const listener = (e: MessageEvent<string>) => fn(JSON.parse(e.data) as MainEvents[E]);
  events.addEventListener(event, listener as EventListener);
  return () => events?.removeEventListener(event, listener as EventListener);
}
