// Test driver (ours): an official TypeScript SDK client connects to AccountLens through the
// whole MCP OAuth flow and calls every tool it is told to.
//
//   node ts_sdk_client.mjs <npm dir> <v1|v2> <calls.json>
//
// Environment: MCP_URL, EMAIL, PASSWORD. The npm dir holds the SDK packages (installed by the
// test setup, never committed). The SDK does discovery, dynamic registration, PKCE and the token
// exchange; the provider's redirect step plays the person: it signs in and presses Allow over
// plain HTTP, then hands the callback parameters back to the SDK. Prints one JSON line.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const [npmDir, flavour, callsFile] = process.argv.slice(2);
const require = createRequire(`${npmDir}/`);
const mcpUrl = new URL(process.env.MCP_URL);
const origin = mcpUrl.origin;
const REDIRECT = "http://127.0.0.1:33500/callback";

let Client, StreamableHTTPClientTransport, UnauthorizedError;
if (flavour === "v1") {
  ({ Client } = require("@modelcontextprotocol/sdk/client/index.js"));
  ({ StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js"));
  ({ UnauthorizedError } = require("@modelcontextprotocol/sdk/client/auth.js"));
} else {
  ({ Client, StreamableHTTPClientTransport, UnauthorizedError } = require("@modelcontextprotocol/client"));
}
const sdkPackage = flavour === "v1" ? "@modelcontextprotocol/sdk" : "@modelcontextprotocol/client";
const sdkVersion = JSON.parse(
  readFileSync(`${npmDir}/node_modules/${sdkPackage}/package.json`, "utf8"),
).version;

/** A browser in miniature: one cookie jar, no automatic redirects. */
class Person {
  constructor() {
    this.cookies = new Map();
  }
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }
  static csrf(html) {
    const match = html.match(/name="csrf_token" value="([^"]+)"/);
    if (!match) throw new Error("no CSRF token on the page");
    return match[1];
  }
  async approve(authorizationUrl) {
    const signIn = await (await this.request(`${origin}/sign-in`)).text();
    const form = new URLSearchParams({
      email: process.env.EMAIL,
      password: process.env.PASSWORD,
      csrf_token: Person.csrf(signIn),
      next: "/",
    });
    const signedIn = await this.request(`${origin}/sign-in`, { method: "POST", body: form });
    if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
    const consent = await this.request(authorizationUrl.href);
    if (consent.status !== 200) throw new Error(`consent page answered ${consent.status}`);
    const decision = new URLSearchParams(authorizationUrl.searchParams);
    decision.set("csrf_token", Person.csrf(await consent.text()));
    decision.set("decision", "approve");
    const answer = await this.request(`${origin}/oauth/authorize`, { method: "POST", body: decision });
    if (answer.status !== 303) throw new Error(`consent answered ${answer.status}`);
    return new URL(answer.headers.get("location")).searchParams;
  }
}

/** The SDK's OAuthClientProvider, in memory. */
class Provider {
  constructor(person) {
    this.person = person;
    this.callback = null;
    this.client = undefined;
    this.saved = undefined;
    this.verifier = undefined;
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata() {
    return {
      client_name: `TypeScript SDK ${flavour} ${sdkVersion}`,
      redirect_uris: [REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  async redirectToAuthorization(url) {
    this.callback = await this.person.approve(url);
  }
}

async function connected(provider) {
  const client = new Client({ name: `accountlens-ts-${flavour}`, version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  try {
    await client.connect(transport);
    return { client, authorized: false };
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || provider.callback === null) throw error;
  }
  const params = provider.callback;
  if (flavour === "v1") {
    await transport.finishAuth(params.get("code"));
  } else {
    await transport.finishAuth(params);
  }
  const again = new Client({ name: `accountlens-ts-${flavour}`, version: "1.0.0" });
  await again.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  return { client: again, authorized: true };
}

const provider = new Provider(new Person());
const { client, authorized } = await connected(provider);
const calls = JSON.parse(readFileSync(callsFile, "utf8"));
const listed = (await client.listTools()).tools.map((tool) => tool.name).sort();
const results = {};
for (const [name, args] of Object.entries(calls)) {
  const result = await client.callTool({ name, arguments: args });
  results[name] = {
    isError: Boolean(result.isError),
    structured: result.structuredContent ?? null,
    text: result.content?.[0]?.text?.slice(0, 300) ?? null,
  };
}
const summary = {
  sdk: sdkPackage,
  version: sdkVersion,
  protocolVersion: client.transport?.protocolVersion ?? null,
  authorized,
  tokenType: provider.saved?.token_type ?? null,
  scope: provider.saved?.scope ?? null,
  tokenPrefix: provider.saved?.access_token?.slice(0, 4) ?? null,
  tools: listed,
  results,
};
await client.close();
process.stdout.write(JSON.stringify(summary) + "\n");
