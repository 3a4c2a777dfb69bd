// npm run sandbox: all three sandboxes start, say where they are, and answer with their demo credentials.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

describe('npm run sandbox', () => {
  it('starts the three sandboxes and prints their URLs and demo credentials', async () => {
    const child = spawn(process.execPath, [resolve(__dirname, '../../sandbox/cli.js')], {
      env: { ...process.env, SYNCWRIGHT_SALESFORCE_PORT: '0', SYNCWRIGHT_NETSUITE_PORT: '0', SYNCWRIGHT_KANTATA_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no banner: ${out}`)), 15_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('Kantata OX')) {
            clearTimeout(timer);
            res();
          }
        });
        child.once('exit', (code) => rej(new Error(`exited ${code}: ${out}`)));
      });
      const kantata = /Kantata OX\s+(\S+)\s+\(bearer token (\S+)\)/.exec(out);
      assert.ok(kantata, out);
      const res = await fetch(`${kantata[1]}/workspaces.json`, { headers: { authorization: `Bearer ${kantata[2]}` } });
      assert.equal(res.status, 200);
      const sf = /Salesforce\s+(\S+)/.exec(out)?.[1] as string;
      const token = await fetch(`${sf}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=syncwright-demo-client&client_secret=syncwright-demo-secret' });
      assert.equal(token.status, 200);
      assert.match(out, /NetSuite\s+http:\/\/127\.0\.0\.1:\d+\/services\/rest/);
      assert.doesNotMatch(out, /BEGIN PRIVATE KEY/, 'private keys go to files, not the terminal');
    } finally {
      child.kill('SIGINT');
    }
  });
});
