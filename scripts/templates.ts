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

export function loadTemplates(files = templateFiles()): FlowNode[] {
  const seen = new Set<string>();
  const out: FlowNode[] = [];
  for (const file of files) {
    for (const node of JSON.parse(readFileSync(file, 'utf8')) as FlowNode[]) {
      if (seen.has(node.id)) throw new Error(`node id ${node.id} appears twice in the templates (${file})`);
      seen.add(node.id);
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

/** Adds `${VAR}` credentials to every connection node, as an operator entering them would. */
export function withEnvCredentials(flows: FlowNode[]): FlowNode[] {
  return flows.map((n) => {
    if (n.type === 'syncwright-salesforce-connection') {
      const p = prefixOf(n, 'SALESFORCE');
      return { ...n, credentials: { clientId: `\${${p}_CLIENT_ID}`, clientSecret: `\${${p}_CLIENT_SECRET}`, privateKey: `\${${p}_PRIVATE_KEY}` } };
    }
    if (n.type === 'syncwright-netsuite-connection') {
      const p = prefixOf(n, 'NETSUITE');
      return { ...n, credentials: { consumerKey: `\${${p}_CONSUMER_KEY}`, consumerSecret: `\${${p}_CONSUMER_SECRET}`, tokenId: `\${${p}_TOKEN_ID}`, tokenSecret: `\${${p}_TOKEN_SECRET}`, privateKey: `\${${p}_PRIVATE_KEY}` } };
    }
    if (n.type === 'syncwright-kantata-connection') {
      const p = prefixOf(n, 'KANTATA');
      return { ...n, credentials: { token: `\${${p}_TOKEN}` } };
    }
    return n;
  });
}
