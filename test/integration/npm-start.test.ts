// `npm start` (dist/scripts/start.js) answers a taken port with a clear message, not a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';

describe('npm start', () => {
  let blocker: Server;
  let port = 0;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const addr = blocker.address();
    port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  });
  after(() => blocker.close());

  it('says plainly that the port is taken and how to choose another', () => {
    const res = spawnSync(process.execPath, [resolve(__dirname, '../../scripts/start.js')], {
      env: { ...process.env, SYNCWRIGHT_PORT: String(port), SYNCWRIGHT_HOST: '127.0.0.1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(res.status, 1);
    assert.match(res.stderr, new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
    assert.match(res.stderr, /SYNCWRIGHT_PORT=/);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  });
});
