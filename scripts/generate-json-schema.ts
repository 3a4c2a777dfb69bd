// npm run generate:json-schema — rewrites canonical/json-schema/ from the zod schemas.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateJsonSchemas } from '../canonical/json-schema.js';

const dir = resolve(__dirname, '../../canonical/json-schema');
mkdirSync(dir, { recursive: true });
const files = generateJsonSchemas();
for (const name of readdirSync(dir)) {
  if (name.endsWith('.json') && !files.has(name)) rmSync(join(dir, name));
}
for (const [name, text] of files) writeFileSync(join(dir, name), text);
console.log(`wrote ${files.size} JSON Schema files to ${dir}`);
