// JSON Schema (draft 2020-12) for every canonical object, generated from the zod schemas. The generated files
// in canonical/json-schema/ are committed: they are the contract other teams and CI test against.
import { z } from 'zod';
import { SyncEnvelope } from './envelope.js';
import { schemaIds, schemas } from './registry.js';

export function jsonSchemaFileName(id: string): string {
  return `${id.replace(/^syncwright\//, '')}.json`;
}

/** File name → pretty-printed JSON Schema, for every canonical object and the envelope. */
export function generateJsonSchemas(): Map<string, string> {
  const out = new Map<string, string>();
  const entries: Array<[string, z.ZodType]> = schemaIds.map((id) => [id, schemas[id]]);
  entries.push(['syncwright/envelope@1', SyncEnvelope]);
  for (const [id, schema] of entries) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
    const doc = { $id: `https://syncwright.dev/schemas/${jsonSchemaFileName(id)}`, ...json };
    out.set(jsonSchemaFileName(id), `${JSON.stringify(doc, null, 2)}\n`);
  }
  return out;
}
