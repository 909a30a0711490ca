// A real OpenID provider for the SSO tests: the certified `oidc-provider` package on loopback.
//
// Usage: node oidc_provider.mjs NPM_DIR PORT REDIRECT_URI CLIENT_SECRET
// (NPM_DIR: the folder tests/tools/npm.py installed the package into; prints "ready" when up).
//
// Sign-in goes through the package's own development interactions (a login form taking any
// login and password, then a consent form). The login is the account id; an account's claims
// are derived from it: `pat@acme.test` has subject `sub-pat@acme.test`, e-mail
// `pat@acme.test` (verified) and name `Pat`; a login ending in `+unverified` has its e-mail
// unverified.
//
// Every client below is an ordinary confidential client of this provider. For some, the
// token response is changed on its way out, to stand for an attacker or a broken provider:
//   accountlens-wrong-issuer  the ID token re-signed with the provider's own key, `iss` changed;
//   accountlens-bad-signature the ID token re-signed with another key under the same key id;
//   accountlens-replay        every token response after the first repeats the first ID token
//                             (a replayed ID token: an old nonce, a valid signature).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, port, redirectUri, clientSecret] = process.argv.slice(2);
const resolve = createRequire(join(npmDir, 'package.json')).resolve;
const load = async (name) => import(pathToFileURL(resolve(name)).href);
const { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } = await load('jose');
const { default: Provider } = await load('oidc-provider');

const issuer = `http://127.0.0.1:${port}`;

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

const real = await signingKey('key-1');
const rogue = await signingKey('key-1');

const clientIds = ['accountlens', 'accountlens-wrong-issuer', 'accountlens-bad-signature', 'accountlens-replay'];

const provider = new Provider(issuer, {
  clients: clientIds.map((id) => ({
    client_id: id,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [real.jwk] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  pkce: { required: () => true },
  cookies: { keys: ['accountlens-test-cookie-key'] },
  async findAccount(ctx, id) {
    const email = id.replace(/\+unverified$/, '');
    const name = email.split('@')[0].replace(/^./, (c) => c.toUpperCase());
    return {
      accountId: id,
      async claims() {
        return { sub: `sub-${email}`, email, email_verified: !id.endsWith('+unverified'), name };
      },
    };
  },
});

function clientOf(ctx) {
  const header = ctx.get('authorization') || '';
  if (!header.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString();
  return decodeURIComponent(decoded.split(':')[0]);
}

async function resign(token, key, change) {
  const header = decodeProtectedHeader(token);
  const claims = { ...decodeJwt(token), ...change };
  return new SignJWT(claims).setProtectedHeader({ alg: header.alg, kid: header.kid, typ: header.typ }).sign(key);
}

const firstIdToken = new Map();

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !ctx.body || !ctx.body.id_token) return;
  const client = clientOf(ctx);
  const body = { ...ctx.body };
  if (client === 'accountlens-wrong-issuer') {
    body.id_token = await resign(body.id_token, real.privateKey, { iss: 'http://127.0.0.1:1/elsewhere' });
  } else if (client === 'accountlens-bad-signature') {
    body.id_token = await resign(body.id_token, rogue.privateKey, {});
  } else if (client === 'accountlens-replay') {
    if (!firstIdToken.has(client)) firstIdToken.set(client, body.id_token);
    body.id_token = firstIdToken.get(client);
  }
  ctx.body = body;
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
