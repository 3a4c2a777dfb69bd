import assert from 'node:assert/strict';
import { migrateConfig, type Migration } from '../../runtime-plugins/red/migrations.js';

describe('node configuration migrations', () => {
  const migrations: Migration[] = [
    { from: 1, to: 2, up: (c) => ({ ...c, limit: c['rate'] ?? 10 }) },
    { from: 2, to: 3, up: (c) => ({ ...c, mode: 'durable' }) },
  ];

  it('lifts a config saved by an older release step by step', () => {
    assert.deepEqual(migrateConfig({ version: 1, rate: 5 }, migrations, 3), { version: 3, rate: 5, limit: 5, mode: 'durable' });
    assert.deepEqual(migrateConfig({ rate: 2 }, migrations, 3), { version: 3, rate: 2, limit: 2, mode: 'durable' });
  });

  it('leaves a current config as it is', () => {
    assert.deepEqual(migrateConfig({ version: 3, mode: 'x' }, migrations, 3), { version: 3, mode: 'x' });
  });

  it('refuses a config from a newer release with a clear message', () => {
    assert.throws(() => migrateConfig({ version: 9 }, migrations, 3), /newer than this Syncwright release/);
  });
});
