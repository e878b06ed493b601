// An independent judge: panva's oidc-provider (a certified OpenID Connect / OAuth 2.0
// authorization server, from the npm registry), configured with a provider's routes and clients.
// Nothing here implements OAuth: this file only configures the server, approves every login and
// consent at once (there is no browser), and counts what the server detected.
//
//   node oauth-server.mjs <profile>      profile: iinked (/connect/*) | xpkit (/auth/*)
//
// Prints `listening <port>` once it serves on 127.0.0.1. GET /judge/stats answers the counts:
// grants by type, refresh-token and code reuse the server detected, grants it revoked, errors.
import http from 'node:http';
import Provider from 'oidc-provider';

const profile = process.argv[2] ?? 'iinked';
const ROUTES = {
  iinked: { authorization: '/connect/authorize', token: '/connect/token' },
  xpkit: { authorization: '/auth/authorize/', token: '/auth/api/token/' },
};
if (!ROUTES[profile]) {
  console.error(`unknown profile ${profile}`);
  process.exit(2);
}
// A secret that needs form-urlencoding in HTTP Basic (RFC 6749 §2.3.1).
export const SECRET = 'judge+s%e:c/r t';
const REDIRECT = 'https://app.example/callback';
const code = (id, method) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: method,
  scope: 'openid offline_access profile organization',
});
const credentials = (id, method) => ({
  client_id: id,
  client_secret: SECRET,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: method,
  scope: 'api',
});
const clients = [
  code('code-post', 'client_secret_post'),
  code('code-basic', 'client_secret_basic'),
  {
    client_id: 'code-public',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'none',
    scope: 'openid offline_access profile',
  },
  credentials('cc-post', 'client_secret_post'),
  credentials('cc-basic', 'client_secret_basic'),
];

const stats = { grants: {}, reuse: 0, revoked: 0, errors: [] };
const accessTtl = Number(process.env.JUDGE_ACCESS_TTL ?? 300);

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    routes: ROUTES[profile],
    scopes: ['openid', 'offline_access', 'profile', 'organization', 'api'],
    pkce: { required: () => true, methods: ['S256'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
    },
    rotateRefreshToken: true,
    cookies: { keys: ['judge-cookie-key'] },
    ttl: { AccessToken: accessTtl, ClientCredentials: accessTtl, RefreshToken: 3600, Grant: 3600 },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  provider.proxy = false;
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params?.grant_type ?? 'unknown';
    stats.grants[type] = (stats.grants[type] ?? 0) + 1;
  });
  provider.on('grant.error', (ctx, err) => {
    const detail = `${err.error ?? err.name}: ${err.error_detail ?? err.message}`;
    if (/already (used|consumed)/.test(detail)) stats.reuse += 1;
    stats.errors.push(detail);
  });
  provider.on('grant.revoked', () => {
    stats.revoked += 1;
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      if (req.url === '/judge/stats') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(stats));
        return;
      }
      if (req.url.startsWith('/interaction/')) {
        // No browser: every login and consent is approved at once, for the scopes asked.
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: 'judge-user', clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope ?? ''));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: 'judge-user' }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      callback(req, res);
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  });
  console.log(`listening ${port}`);
});
