// The environment the templates read their connection settings from (`${VAR}` in connection nodes), here
// filled from the sandboxes of the `npm start` demo. A real installation sets the same variables (see
// .env.example) to its own tenants.
import type { Sandboxes } from '../sandbox/all.js';

export function demoEnvironment(sb: Sandboxes): Record<string, string> {
  const sf = sb.salesforce.demo;
  const ns = sb.netsuite.demo;
  return {
    SALESFORCE_LOGIN_URL: sf.loginUrl,
    SALESFORCE_AUTH: 'client-credentials',
    SALESFORCE_CLIENT_ID: sf.clientId,
    SALESFORCE_CLIENT_SECRET: sf.clientSecret,
    SALESFORCE_USERNAME: sf.username,
    SALESFORCE_CONSUMER_KEY: sf.consumerKey,
    SALESFORCE_PRIVATE_KEY: sf.privateKeyPem ?? '',
    NETSUITE_ACCOUNT_ID: ns.accountId,
    NETSUITE_BASE_URL: `${sb.netsuite.url}/services/rest`,
    NETSUITE_CONSUMER_KEY: ns.tba.consumerKey,
    NETSUITE_CONSUMER_SECRET: ns.tba.consumerSecret,
    NETSUITE_TOKEN_ID: ns.tba.tokenId,
    NETSUITE_TOKEN_SECRET: ns.tba.tokenSecret,
    NETSUITE_UK_ACCOUNT_ID: sb.netsuiteUk.accountId,
    NETSUITE_UK_BASE_URL: `${sb.netsuiteUk.url}/services/rest`,
    NETSUITE_UK_CONSUMER_KEY: sb.netsuiteUk.demo.tba.consumerKey,
    NETSUITE_UK_CONSUMER_SECRET: sb.netsuiteUk.demo.tba.consumerSecret,
    NETSUITE_UK_TOKEN_ID: sb.netsuiteUk.demo.tba.tokenId,
    NETSUITE_UK_TOKEN_SECRET: sb.netsuiteUk.demo.tba.tokenSecret,
    KANTATA_BASE_URL: sb.kantata.demo.baseUrl,
    KANTATA_TOKEN: sb.kantata.demo.token,
  };
}
