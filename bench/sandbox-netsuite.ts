// How many simple requests the NetSuite sandbox answers per second on one core: the sandbox runs in a child
// process, this process drives it over keep-alive connections (as many as NetSuite's default concurrency
// limit, 5, so governance never refuses) with a Bearer token and with TBA signatures made per request.
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import OAuth from 'oauth-1.0a';
import type { Benchmark, Figure } from './index.js';
import { median, repeat, round } from './stats.js';
import { startNetSuiteSandbox, type TbaCredential } from '../sandbox/netsuite/index.js';

const CONNECTIONS = Number(process.env['SANDBOX_BENCH_CONNECTIONS'] ?? 5);
const RUN_MS = 3000;
const WARMUP_MS = 500;
const RUNS = 3;

interface ChildReady {
  url: string;
  bearer: string;
  realm: string;
  tba: TbaCredential;
}

async function childMain(): Promise<void> {
  const ns = await startNetSuiteSandbox({ seedData: true, journalSize: 1000, concurrencyLimit: Math.max(5, CONNECTIONS) });
  const ready: ChildReady = { url: ns.url, bearer: ns.issueAccessToken(), realm: ns.demo.realm, tba: ns.demo.tba };
  process.send?.(ready);
  // CPU time spent by the sandbox, so capacity can be told apart from what a busy machine leaves over.
  process.on('message', (m) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ cpuMicros: u.user + u.system });
    }
  });
  process.on('disconnect', () => {
    void ns.close().then(() => process.exit(0));
  });
}

function startChild(): Promise<{ child: ChildProcess; ready: ChildReady }> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.env['SANDBOX_BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['SANDBOX_BENCH_CPU_PROF']}`] : [] });
    child.once('message', (m) => resolve({ child, ready: m as ChildReady }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox child exited with ${String(code)}`)));
  });
}

interface Load {
  requests: number;
  failures: number;
  seconds: number;
  /** CPU seconds the sandbox process used. */
  cpuSeconds: number;
}

function childCpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && 'cpuMicros' in m) {
        child.off('message', onMessage);
        resolve((m as { cpuMicros: number }).cpuMicros);
      }
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

/** Keeps CONNECTIONS requests in flight for `ms`; `headers` is called per request (TBA signs each one). */
async function drive(child: ChildProcess, url: string, headers: () => Record<string, string>, ms: number): Promise<Load> {
  const cpuBefore = await childCpuMicros(child);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const target = new URL(url);
  let requests = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + ms;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request({ agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'GET', headers: headers() }, (res) => {
        if (res.statusCode !== 200) failures++;
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await one();
      requests++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, () => worker()));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const cpuSeconds = ((await childCpuMicros(child)) - cpuBefore) / 1e6;
  return { requests, failures, seconds, cpuSeconds };
}

function tbaSigner(ready: ChildReady, url: string): () => Record<string, string> {
  const oauth = new OAuth({
    consumer: { key: ready.tba.consumerKey, secret: ready.tba.consumerSecret },
    realm: ready.realm,
    signature_method: 'HMAC-SHA256',
    hash_function: (base, key) => createHmac('sha256', key).update(base).digest('base64'),
  });
  const token = { key: ready.tba.tokenId, secret: ready.tba.tokenSecret };
  return () => ({ authorization: oauth.toHeader(oauth.authorize({ url, method: 'GET' }, token)).Authorization });
}

export const netsuiteSandboxBenchmark: Benchmark = {
  name: 'sandbox-netsuite',
  description: `NetSuite sandbox throughput: record GET over ${CONNECTIONS} keep-alive connections, Bearer and TBA-signed, sandbox in a child process; medians of ${RUNS} runs of ${RUN_MS / 1000} s`,
  async run(): Promise<Figure[]> {
    const { child, ready } = await startChild();
    try {
      const url = `${ready.url}/services/rest/record/v1/customer/200`;
      const bearer = (): Record<string, string> => ({ authorization: `Bearer ${ready.bearer}` });
      const tba = tbaSigner(ready, url);
      await drive(child, url, bearer, WARMUP_MS);
      const bearerRuns = await repeat(RUNS, () => drive(child, url, bearer, RUN_MS));
      await drive(child, url, tba, WARMUP_MS);
      const tbaRuns = await repeat(RUNS, () => drive(child, url, tba, RUN_MS));
      const figures = (name: string, runs: Load[], note: string): Figure[] => {
        const failures = runs.reduce((n, r) => n + r.failures, 0);
        const rps = round(median(runs.map((r) => r.requests / r.seconds)), 0);
        const perCore = round(median(runs.map((r) => r.requests / r.cpuSeconds)), 0);
        const cpuShare = round(median(runs.map((r) => r.cpuSeconds / r.seconds)) * 100, 0);
        return [
          {
            figure: `${name}: requests per CPU-second of the sandbox`,
            value: perCore,
            unit: 'requests/s on one core',
            target: '>= 5000',
            meetsTarget: perCore >= 5000 && failures === 0,
            note: `${note}; what one fully busy core serves, independent of other load on the machine; non-200 answers: ${failures}`,
          },
          {
            figure: `${name}: requests per wall-clock second`,
            value: rps,
            unit: 'requests/s',
            note: `${CONNECTIONS} connections; the sandbox process used ${cpuShare}% of a core (the rest went to the driver and whatever else ran on the machine)`,
          },
        ];
      };
      return [
        ...figures('record GET, Bearer token', bearerRuns, 'GET /record/v1/customer/200'),
        ...figures('record GET, TBA-signed', tbaRuns, 'fresh nonce and HMAC-SHA256 signature per request, made by oauth-1.0a in the driving process'),
      ];
    } finally {
      child.removeAllListeners('exit');
      child.disconnect();
    }
  },
};

if (require.main === module && process.argv[2] === '--child') {
  childMain().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if (require.main === module) {
  netsuiteSandboxBenchmark
    .run()
    .then((figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
