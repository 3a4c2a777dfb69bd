// Node-RED settings for `npm start` and for the tests that run a real Node-RED. Everything comes from the
// environment, with defaults that keep a development instance private to this machine.

interface AdminAuth {
  type: 'credentials';
  users: Array<{ username: string; password: string; permissions: string }>;
}

function adminAuth(): AdminAuth | undefined {
  const username = process.env['SYNCWRIGHT_ADMIN_USER'];
  const password = process.env['SYNCWRIGHT_ADMIN_PASSWORD_HASH'];
  if (!username || !password) return undefined;
  return { type: 'credentials', users: [{ username, password, permissions: '*' }] };
}

// Typed loosely: @types/node-red lags behind the settings Node-RED 4 and 5 accept.
const settings: Record<string, unknown> = {
  uiPort: Number(process.env['SYNCWRIGHT_PORT'] ?? 1880),
  uiHost: process.env['SYNCWRIGHT_HOST'] ?? '127.0.0.1',
  flowFile: process.env['SYNCWRIGHT_FLOW_FILE'] ?? 'flows.json',
  credentialSecret: process.env['SYNCWRIGHT_CREDENTIAL_SECRET'] || undefined,
  adminAuth: adminAuth(),
  flowFilePretty: true,
  functionExternalModules: false,
  externalModules: { palette: { allowInstall: false } },
  logging: { console: { level: process.env['SYNCWRIGHT_LOG_LEVEL'] ?? 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
};

export = settings;
