// Running a quote-to-cash template as `npm start` does: the sandboxes, a real Node-RED whose environment points
// the templates' connections at them, and the template deployed through the Admin API with `${VAR}` credentials.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { startAllSandboxes, type Sandboxes } from '../../sandbox/all.js';
import { demoEnvironment } from '../../scripts/demo-env.js';
import { loadTemplates, withEnvCredentials } from '../../scripts/templates.js';
import { NodeRedProcess, type FlowNode } from './node-red-process.js';

export interface TemplateRun {
  /** The sandboxes; `sb.netsuiteUk` is the second NetSuite account (the UK legal entity). */
  sb: Sandboxes;
  nr: NodeRedProcess;
  /** The environment Node-RED runs with; `env.ANALYTICS_DIR` is a temporary directory for analytics sinks. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the sandboxes and Node-RED, then deploys the given template files (by file name in flows/templates,
 * e.g. `01-closed-won-activation.json`), or all templates when none are named.
 */
export async function runTemplates(files?: string[], extraEnv: Record<string, string> = {}): Promise<TemplateRun> {
  const sb = await startAllSandboxes();
  const analytics = mkdtempSync(join(tmpdir(), 'sw-analytics-'));
  const env = { ...demoEnvironment(sb), ANALYTICS_DIR: analytics, ...extraEnv };
  const nr = await NodeRedProcess.start({ env });
  try {
    const dir = resolvePath(__dirname, '../../../flows/templates');
    const flows: FlowNode[] = withEnvCredentials(loadTemplates(files?.map((f) => resolvePath(dir, f))), env);
    await nr.deploy(flows);
  } catch (err) {
    await nr.dispose();
    await sb.close();
    throw err;
  }
  return {
    sb,
    nr,
    env,
    async close() {
      await nr.dispose();
      await sb.close();
      rmSync(analytics, { recursive: true, force: true });
    },
  };
}
