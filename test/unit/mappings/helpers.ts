// Shared by the mapping tests: canonical fixtures parsed, deep path removal for fields a vendor does not
// hold, and assertions on MappingError.
import assert from 'node:assert/strict';
import { validateCanonical, type CanonicalOf, type SchemaId } from '../../../canonical/index.js';
import { MappingError, type MappingDirection } from '../../../canonical/mappings/index.js';
import { example } from '../../fixtures/canonical.js';

/** A fixture, validated and normalised, as the mappings' typed functions take it. */
export function fixture<S extends SchemaId>(id: S, patch: Record<string, unknown> = {}): CanonicalOf<S> {
  return parse(id, { ...example(id), ...patch });
}

export function parse<S extends SchemaId>(id: S, value: unknown): CanonicalOf<S> {
  const r = validateCanonical(id, value);
  assert.ok(r.ok, `${id} did not validate: ${r.ok ? '' : JSON.stringify(r.errors)}`);
  return r.value;
}

/** A from-vendor result must be canonical input that validateCanonical accepts. */
export function accepted<S extends SchemaId>(id: S, value: unknown): CanonicalOf<S> {
  return parse(id, JSON.parse(JSON.stringify(value)));
}

/** A deep copy without the given dotted paths; `[]` walks every element (`lineItems[].productCode`). */
export function without<T>(value: T, paths: readonly string[]): T {
  const copy = structuredClone(value) as unknown;
  for (const path of paths) remove(copy, path.split('.'));
  return copy as T;
}

function remove(node: unknown, parts: string[]): void {
  if (typeof node !== 'object' || node === null) return;
  const [head, ...rest] = parts;
  if (head === undefined) return;
  const each = head.endsWith('[]');
  const key = each ? head.slice(0, -2) : head;
  const record = node as Record<string, unknown>;
  if (rest.length === 0 && !each) {
    delete record[key];
    return;
  }
  const child = record[key];
  if (each && Array.isArray(child)) {
    for (const item of child) {
      if (rest.length === 0) continue;
      remove(item, rest);
    }
  } else {
    remove(child, rest);
  }
}

/** Runs `fn`, expecting a MappingError naming `field`. */
export function assertMappingError(fn: () => unknown, field: string, reason?: RegExp, direction?: MappingDirection): MappingError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MappingError, `expected a MappingError naming ${field}, got ${caught === undefined ? 'no error' : caught instanceof Error ? caught.stack : JSON.stringify(caught)}`);
  assert.equal(caught.field, field, `wrong field in: ${caught.message}`);
  if (reason !== undefined) assert.match(caught.reason, reason);
  if (direction !== undefined) assert.equal(caught.direction, direction);
  assert.match(caught.message, new RegExp(field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return caught;
}

/** A JSON round trip: what a vendor sends back is JSON, never our objects. */
export function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
