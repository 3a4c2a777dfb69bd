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
 * Walks the raw value once and reports prototype-polluting keys, excessive depth (recursion is bounded by
 * `maxDepth`, so an attacker cannot reach the stack limit), circular references, non-JSON values and oversized
 * payloads. An object referenced twice without a cycle is data, not an error. A clean payload costs no
 * allocation beyond the walk's own stack: paths are formatted only for errors.
 */
export function guardPayload(value: unknown, limits: GuardLimits = defaultGuardLimits): FieldError[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return [{ path: '', code: 'not_an_object', message: `payload must be an object, got ${got}` }];
  }
  const errors: FieldError[] = [];
  const path: PropertyKey[] = [];
  const ancestors = new Set<object>();
  // Objects already walked once in full (referenced again without a cycle): not walked again, or nested shared
  // references would take exponential time.
  const walked = new Set<object>();
  let size = 0;
  const fail = (code: string, message: string): void => {
    errors.push({ path: formatPath(path), code, message });
  };
  // Walks one child under its key (false stops the walk); `forbidden` reports the key instead.
  const child = (key: PropertyKey, value: unknown, forbidden = false): boolean => {
    path.push(key);
    let go = true;
    if (forbidden) fail('forbidden_key', `key "${String(key)}" is not allowed (prototype pollution)`);
    else go = walk(value);
    path.pop();
    return go;
  };
  // Returns false to stop the walk (too large, or enough errors).
  const walk = (v: unknown): boolean => {
    switch (typeof v) {
      case 'string':
        size += v.length;
        break;
      case 'number':
      case 'boolean':
      case 'undefined':
        size += 8;
        break;
      case 'object': {
        if (v === null) {
          size += 8;
          break;
        }
        if (ancestors.has(v)) {
          fail('circular', 'payload contains a circular reference');
          break;
        }
        if (walked.has(v)) break;
        if (path.length >= limits.maxDepth) {
          fail('too_deep', `nested deeper than ${limits.maxDepth} levels`);
          break;
        }
        if (Array.isArray(v)) {
          ancestors.add(v);
          for (let i = 0; i < v.length; i++) if (!child(i, v[i])) return false;
          ancestors.delete(v);
          walked.add(v);
          break;
        }
        // Plain objects of any realm count (Node-RED function nodes create theirs in a vm context).
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== null && Object.getPrototypeOf(proto) !== null) {
          if (Object.prototype.toString.call(v) !== '[object Date]') fail('not_plain_object', 'must be plain JSON data');
          break;
        }
        ancestors.add(v);
        const o = v as Record<string, unknown>;
        for (const key of Object.keys(o)) {
          size += key.length;
          if (!child(key, o[key], FORBIDDEN_KEYS.has(key))) return false;
        }
        ancestors.delete(v);
        walked.add(v);
        break;
      }
      default:
        fail('not_json', `a ${typeof v} is not JSON data`);
    }
    return size <= limits.maxSize && errors.length < 50;
  };
  walk(value);
  if (size > limits.maxSize) return [{ path: '', code: 'too_large', message: `payload is larger than ${limits.maxSize} characters` }];
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
