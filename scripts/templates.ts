// The quote-to-cash templates (flows/templates/*.json) as one deployable flow set, with the credentials of
// their connection nodes given as `${VAR}` references to the environment (exported flows never carry
// credentials; Node-RED resolves a credential whose whole value is `${VAR}` at run time).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const templatesDir = resolve(__dirname, '../../flows/templates');

export function templateFiles(): string[] {
  return readdirSync(templatesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(templatesDir, f));
}

/**
 * All templates as one flow set. Each template file carries the config nodes it needs (so it imports alone);
 * templates share connections and landscapes by using the same id and content for them, and such identical
 * nodes are deployed once. The same id with different content is an error.
 */
export function loadTemplates(files = templateFiles()): FlowNode[] {
  const seen = new Map<string, { text: string; file: string }>();
  const out: FlowNode[] = [];
  for (const file of files) {
    for (const node of JSON.parse(readFileSync(file, 'utf8')) as FlowNode[]) {
      const text = JSON.stringify(node);
      const earlier = seen.get(node.id);
      if (earlier) {
        if (earlier.text === text) continue;
        throw new Error(`node id ${node.id} is in ${earlier.file} and ${file} with different content; shared config nodes must be identical`);
      }
      seen.set(node.id, { text, file });
      out.push(node);
    }
  }
  return out;
}

/** Environment-variable prefix of a connection node: `env` property if set, else the vendor's default. */
function prefixOf(node: FlowNode, vendor: string): string {
  const p = node['envPrefix'];
  return typeof p === 'string' && p !== '' ? p : vendor;
}

const CREDENTIALS: Record<string, { vendor: string; fields: Record<string, string> }> = {
  'syncwright-salesforce-connection': { vendor: 'SALESFORCE', fields: { clientId: 'CLIENT_ID', clientSecret: 'CLIENT_SECRET', privateKey: 'PRIVATE_KEY' } },
  'syncwright-netsuite-connection': { vendor: 'NETSUITE', fields: { consumerKey: 'CONSUMER_KEY', consumerSecret: 'CONSUMER_SECRET', tokenId: 'TOKEN_ID', tokenSecret: 'TOKEN_SECRET', privateKey: 'PRIVATE_KEY' } },
  'syncwright-kantata-connection': { vendor: 'KANTATA', fields: { token: 'TOKEN' } },
};

/**
 * Adds `${VAR}` credentials to every connection node, as an operator entering them would, for the variables
 * that `env` sets (a reference to an unset variable would stay literal, and the connection would refuse it).
 */
export function withEnvCredentials(flows: FlowNode[], env: Record<string, string | undefined>): FlowNode[] {
  return flows.map((n) => {
    const spec = CREDENTIALS[n.type];
    if (!spec) return n;
    const prefix = prefixOf(n, spec.vendor);
    const credentials: Record<string, string> = {};
    for (const [field, suffix] of Object.entries(spec.fields)) {
      const name = `${prefix}_${suffix}`;
      if (env[name] !== undefined && env[name] !== '') credentials[field] = `\${${name}}`;
    }
    return { ...n, credentials };
  });
}
