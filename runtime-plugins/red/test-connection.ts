// The "Test connection" button of every connection config node: an admin endpoint behind Node-RED's
// permissions that builds a throw-away client from the values in the edit dialog (saved secrets filled in)
// and says in plain words what is wrong.
import type { NodeAPI } from 'node-red';

export interface ConnectionTestResult {
  ok: boolean;
  message: string;
  details?: Record<string, string | number | boolean>;
}

/** `${VAR}` as the whole value reads the environment, as Node-RED does for node properties. */
export function resolveEnv(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return '';
  const m = /^\$\{(\S+)\}$/.exec(value.trim());
  return m?.[1] !== undefined ? (process.env[m[1]] ?? '') : value;
}

type Fields = Record<string, string>;

/**
 * Registers `POST /syncwright/<vendor>/test-connection`. The body is `{id?, config, credentials}`; a
 * credential left blank or sent as `__PWRD__` (Node-RED's "unchanged password") is taken from the saved node.
 */
export function registerTestConnection(RED: NodeAPI, vendor: string, credentialFields: readonly string[], test: (config: Fields, credentials: Fields) => Promise<ConnectionTestResult>): void {
  const path = `/syncwright/${vendor}/test-connection`;
  RED.httpAdmin.post(path, RED.auth.needsPermission('syncwright.write'), (req, res) => {
    const body = (req.body ?? {}) as { id?: unknown; config?: unknown; credentials?: unknown };
    const config: Fields = {};
    for (const [k, v] of Object.entries((body.config ?? {}) as Record<string, unknown>)) config[k] = resolveEnv(v);
    const saved = typeof body.id === 'string' ? ((RED.nodes.getCredentials(body.id) ?? {}) as Record<string, unknown>) : {};
    const posted = (body.credentials ?? {}) as Record<string, unknown>;
    const credentials: Fields = {};
    for (const field of credentialFields) {
      const value = posted[field];
      credentials[field] = resolveEnv(value === undefined || value === '' || value === '__PWRD__' ? saved[field] : value);
    }
    test(config, credentials)
      .then((result) => res.json(result))
      .catch((err: unknown) => res.json({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies ConnectionTestResult));
  });
}
