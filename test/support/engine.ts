// Test helper settings that give each suite its own engine store, closed between tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllEngines } from '../../runtime-plugins/engine-access.js';
import { helper } from './helper.js';

/** A fresh LevelDB store directory per test, wired into the helper's RED.settings. */
export function useEngineStore(): { dir: () => string } {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sw-engine-'));
    helper.settings({ syncwright: { store: 'leveldb', storeDir: dir, closeGraceMs: 0 } } as never);
  });
  afterEach(async () => {
    await closeAllEngines();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });
  return { dir: () => dir };
}
