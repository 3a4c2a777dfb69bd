// Throughput of the Salesforce sandbox: the sandbox runs alone in a child process (one core); the parent drives
// it over keep-alive connections. Figures: authenticated GET of one record, and upsert by external ID.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { Benchmark, Figure } from './index.js';
import { median, repeat, round } from './stats.js';

const TARGET_RPS = 5000;
const CONNECTIONS = 32;
const REQUESTS_PER_RUN = 30_000;
const RUNS = 3;

interface Ready {
  url: string;
  token: string;
  recordPath: string;
}

/** Child side: start the sandbox and tell the parent where it is. */
async function serve(): Promise<void> {
  const { startSalesforceSandbox } = await import('../sandbox/salesforce/index.js');
  // The org's daily allowance would stop a benchmark after 15,000 requests.
  const sf = await startSalesforceSandbox({ seedData: true, dailyApiRequests: 1_000_000_000, journalSize: 1000 });
  const acme = sf.findByExternalId('Account', 'Syncwright_Key__c', 'acct:ACME')[0];
  const ready: Ready = { url: sf.url, token: sf.issueToken().token, recordPath: `/services/data/v62.0/sobjects/Account/${String(acme['Id'])}` };
  process.send?.(ready);
  process.on('disconnect', () => {
    void sf.close().then(() => process.exit(0));
  });
}

function startChild(): Promise<{ child: ChildProcess; ready: Ready }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (ready: Ready) => resolve({ child, ready }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox child exited with ${code}`)));
  });
}

interface Call {
  method: string;
  path: (i: number) => string;
  body?: (i: number) => string;
  expect: number[];
}

/** Sends `total` requests over `CONNECTIONS` keep-alive connections; returns requests per second. */
async function drive(ready: Ready, call: Call, total: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const { hostname, port } = new URL(ready.url);
  let next = 0;
  let failures = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const payload = call.body?.(i);
      const req = request(
        { agent, host: hostname, port, method: call.method, path: call.path(i), headers: { authorization: `Bearer ${ready.token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
        (res) => {
          if (!call.expect.includes(res.statusCode ?? 0)) failures++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const worker = async () => {
    while (next < total) await one(next++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  if (failures > 0) throw new Error(`${failures} of ${total} ${call.method} requests got an unexpected status`);
  return total / seconds;
}

export const sandboxSalesforceBenchmark: Benchmark = {
  name: 'sandbox-salesforce',
  description: `Salesforce sandbox in a child process, ${CONNECTIONS} keep-alive connections from the parent, ${REQUESTS_PER_RUN} requests a run, median of ${RUNS} runs`,
  async run(): Promise<Figure[]> {
    const { child, ready } = await startChild();
    try {
      const get: Call = { method: 'GET', path: () => ready.recordPath, expect: [200] };
      const upsert: Call = {
        method: 'PATCH',
        path: (i) => `/services/data/v62.0/sobjects/Account/Syncwright_Key__c/acct:BENCH-${i % 1000}`,
        body: (i) => JSON.stringify({ Name: `Bench ${i % 1000}`, Phone: String(i) }),
        expect: [200, 201],
      };
      await drive(ready, get, 2000); // warm-up
      const gets = await repeat(RUNS, () => drive(ready, get, REQUESTS_PER_RUN));
      const upserts = await repeat(RUNS, () => drive(ready, upsert, REQUESTS_PER_RUN));
      const getRps = median(gets);
      return [
        { figure: 'authenticated GET of one record', value: round(getRps, 0), unit: 'requests/s', target: `>= ${TARGET_RPS} requests/s`, meetsTarget: getRps >= TARGET_RPS, note: `runs: ${gets.map((v) => round(v, 0)).join(', ')}` },
        { figure: 'upsert by external ID (PATCH, 1000 keys)', value: round(median(upserts), 0), unit: 'requests/s', note: `runs: ${upserts.map((v) => round(v, 0)).join(', ')}` },
      ];
    } finally {
      child.removeAllListeners('exit');
      child.disconnect();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
    }
  },
};

export default sandboxSalesforceBenchmark;

if (require.main === module) {
  if (process.argv.includes('--serve')) {
    serve().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    sandboxSalesforceBenchmark
      .run()
      .then((figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`))
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  }
}
