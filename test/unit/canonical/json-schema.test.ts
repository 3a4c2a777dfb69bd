import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateJsonSchemas } from '../../../canonical/json-schema.js';

const dir = resolve(__dirname, '../../../../canonical/json-schema');

describe('committed JSON Schema', () => {
  it('matches the zod schemas (run `npm run generate:json-schema` after changing a schema)', () => {
    const generated = generateJsonSchemas();
    const committed = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(committed, [...generated.keys()].sort(), 'the set of schema files differs');
    for (const [name, text] of generated) {
      assert.equal(readFileSync(join(dir, name), 'utf8'), text, `canonical/json-schema/${name} is stale`);
    }
  });

  it('forbids unknown fields and lists required ones, so other teams can test against it', () => {
    const opp = JSON.parse(readFileSync(join(dir, 'opportunity@1.json'), 'utf8')) as { additionalProperties: boolean; required: string[]; $id: string };
    assert.equal(opp.additionalProperties, false);
    assert.ok(opp.required.includes('businessKey'));
    assert.ok(opp.required.includes('closeDate'));
    assert.equal(opp.$id, 'https://syncwright.dev/schemas/opportunity@1.json');
  });
});
