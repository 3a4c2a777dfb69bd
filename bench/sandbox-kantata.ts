// How many simple authenticated reads the Kantata sandbox answers per second on one core: the sandbox runs
// in a child process (its own core), the parent drives `GET /api/v1/workspaces/{id}.json` over keep-alive
// connections for a fixed time. Median of 3 runs; target ≥ 5,000 requests/s.
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { Benchmark, Figure } from './index.js';
import { median, percentile, repeat, round } from './stats.js';

const RUNS = 3;
const WARMUP_MS = 1_000;
const MEASURE_MS = 4_000;
const IN_FLIGHT = 32;
const TARGET = 5_000;

interface ChildReady {
  url: string;
  token: string;
  workspaceId: string;
}

async function startChild(): Promise<{ child: ChildProcess; ready: ChildReady }> {
  const child = fork(__filename, ['--kantata-sandbox-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ChildReady));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sandbox child exited with ${code ?? 'a signal'} before it was ready`)));
  });
  return { child, ready };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Keeps IN_FLIGHT requests going for `ms`; returns completed requests and their latencies (ms). */
function drive(target: ChildReady, ms: number): Promise<{ ok: number; failed: number; latencies: number[]; seconds: number }> {
  const url = new URL(`${target.url}/api/v1/workspaces/${target.workspaceId}.json`);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const headers = { authorization: `Bearer ${target.token}`, accept: 'application/json' };
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + ms;
  return new Promise((resolve) => {
    let active = IN_FLIGHT;
    const finish = () => {
      if (--active > 0) return;
      agent.destroy();
      resolve({ ok, failed, latencies, seconds: (performance.now() - started) / 1000 });
    };
    const one = (): void => {
      if (performance.now() >= deadline) return finish();
      const t0 = performance.now();
      const req = request(url, { agent, headers }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (res.statusCode === 200) {
            ok++;
            latencies.push(performance.now() - t0);
          } else failed++;
          one();
        });
      });
      req.on('error', () => {
        failed++;
        one();
      });
      req.end();
    };
    for (let i = 0; i < IN_FLIGHT; i++) one();
  });
}

export const kantataSandboxBenchmark: Benchmark = {
  name: 'sandbox-kantata',
  description: `Kantata sandbox in a child process; GET /workspaces/{id}.json with a bearer token over ${IN_FLIGHT} keep-alive connections for ${MEASURE_MS / 1000} s, median of ${RUNS} runs`,
  async run(): Promise<Figure[]> {
    const runs = await repeat(RUNS, async () => {
      const { child, ready } = await startChild();
      try {
        await drive(ready, WARMUP_MS);
        const r = await drive(ready, MEASURE_MS);
        return { rps: r.ok / r.seconds, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), failed: r.failed };
      } finally {
        await stopChild(child);
      }
    });
    const rps = round(median(runs.map((r) => r.rps)), 0);
    const failed = runs.reduce((n, r) => n + r.failed, 0);
    return [
      {
        figure: 'authenticated GET /api/v1/workspaces/{id}.json',
        value: rps,
        unit: 'requests/s',
        target: `≥ ${TARGET} requests/s from one core`,
        meetsTarget: rps >= TARGET && failed === 0,
        note: `runs: ${runs.map((r) => round(r.rps, 0)).join(', ')}; non-200 answers: ${failed}`,
      },
      { figure: 'latency p50 at that load', value: round(median(runs.map((r) => r.p50)), 2), unit: 'ms' },
      { figure: 'latency p99 at that load', value: round(median(runs.map((r) => r.p99)), 2), unit: 'ms' },
    ];
  },
};

// The child: one sandbox with the demo data, reporting where it listens.
if (require.main === module && process.argv.includes('--kantata-sandbox-child')) {
  void (async () => {
    const { startKantataSandbox, KANTATA_DEMO } = await import('../sandbox/kantata/index.js');
    const sb = await startKantataSandbox({ seedData: true, journalSize: 1_000 });
    process.on('SIGTERM', () => {
      sb.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    process.send?.({ url: sb.url, token: sb.demo.token, workspaceId: KANTATA_DEMO.workspaceId } satisfies ChildReady);
  })();
} else if (require.main === module) {
  kantataSandboxBenchmark.run().then(
    (figures) => process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
