// Validation at the edge: a guard for hostile shapes first, then the zod schema. Every problem becomes a
// `{path, code, message}` naming the field, and nothing ever throws.
import type { z } from 'zod';
import { isSchemaId, schemaIds, schemas, type CanonicalOf, type SchemaId } from './registry.js';

export interface FieldError {
  /** Dotted path to the field, e.g. `lineItems[0].unitPrice.amount`; empty for the whole payload. */
  path: string;
  code: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface GuardLimits {
  /** Largest payload accepted, in UTF-16 code units of its strings plus keys (roughly bytes of JSON). */
  maxSize: number;
  maxDepth: number;
}

export const defaultGuardLimits: GuardLimits = { maxSize: 1_000_000, maxDepth: 32 };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Walks the raw value once, without recursion limits being reachable by an attacker, and reports
 * prototype-polluting keys, excessive depth, non-JSON values and oversized payloads.
 */
export function guardPayload(value: unknown, limits: GuardLimits = defaultGuardLimits): FieldError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return [{ path: '', code: 'not_an_object', message: `payload must be an object, got ${got}` }];
  }
  const errors: FieldError[] = [];
  let size = 0;
  const stack: Array<{ v: unknown; path: PropertyKey[] }> = [{ v: value, path: [] }];
  const seen = new Set<object>();
  while (stack.length > 0 && errors.length < 50) {
    const { v, path } = stack.pop() as { v: unknown; path: PropertyKey[] };
    if (typeof v === 'string') {
      size += v.length;
    } else if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) {
      size += 8;
    } else if (typeof v === 'object') {
      if (seen.has(v)) {
        errors.push({ path: formatPath(path), code: 'circular', message: 'payload contains a circular reference' });
        continue;
      }
      seen.add(v);
      if (path.length >= limits.maxDepth) {
        errors.push({ path: formatPath(path), code: 'too_deep', message: `nested deeper than ${limits.maxDepth} levels` });
        continue;
      }
      if (Array.isArray(v)) {
        v.forEach((item, i) => stack.push({ v: item, path: [...path, i] }));
      } else {
        // Plain objects of any realm count (Node-RED function nodes create theirs in a vm context).
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== null && Object.getPrototypeOf(proto) !== null && Object.prototype.toString.call(v) !== '[object Date]') {
          errors.push({ path: formatPath(path), code: 'not_plain_object', message: 'must be plain JSON data' });
          continue;
        }
        for (const key of Object.keys(v)) {
          size += key.length;
          if (FORBIDDEN_KEYS.has(key)) {
            errors.push({ path: formatPath([...path, key]), code: 'forbidden_key', message: `key "${key}" is not allowed (prototype pollution)` });
            continue;
          }
          stack.push({ v: (v as Record<string, unknown>)[key], path: [...path, key] });
        }
      }
    } else {
      errors.push({ path: formatPath(path), code: 'not_json', message: `a ${typeof v} is not JSON data` });
    }
    if (size > limits.maxSize) {
      return [{ path: '', code: 'too_large', message: `payload is larger than ${limits.maxSize} characters` }];
    }
  }
  return errors;
}

function issueToError(issue: z.core.$ZodIssue): FieldError {
  const path = formatPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    message = 'is required';
  }
  return { path, code: issue.code, message };
}

/** Validates and normalises a payload against a canonical schema. Never throws. */
export function validateCanonical<S extends SchemaId>(schemaId: S, payload: unknown, limits?: GuardLimits): Validation<CanonicalOf<S>>;
export function validateCanonical(schemaId: string, payload: unknown, limits?: GuardLimits): Validation<unknown>;
export function validateCanonical(schemaId: string, payload: unknown, limits: GuardLimits = defaultGuardLimits): Validation<unknown> {
  if (!isSchemaId(schemaId)) {
    return {
      ok: false,
      errors: [{ path: '', code: 'unknown_schema', message: `unknown schema "${String(schemaId)}"; known: ${schemaIds.join(', ')}` }],
    };
  }
  const guarded = guardPayload(payload, limits);
  if (guarded.length > 0) return { ok: false, errors: guarded };
  const result = (schemas[schemaId] as z.ZodType).safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.map(issueToError) };
}
