// Runs a contract method's schema over an input and turns zod's issues into one ApiError naming
// the first offending field, so every transport reports bad input the same way.
import type { z } from 'zod';
import { API_SCHEMAS, type Namespace } from './contract';
import { ApiError } from './errors';

export function validateInput(ns: string, method: string, input: unknown): unknown {
  const table = (API_SCHEMAS as Record<string, Record<string, z.ZodType> | undefined>)[ns];
  const schema = table?.[method];
  if (!schema) throw new ApiError('NOT_FOUND', `unknown method ${ns}.${method}`);
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
  const what = issue?.message ?? 'invalid input';
  throw new ApiError('VALIDATION', field ? `${field}: ${what}` : what, field);
}

export function isNamespace(ns: string): ns is Namespace {
  return Object.prototype.hasOwnProperty.call(API_SCHEMAS, ns);
}
