// A real OpenID Connect provider for the sign-in tests (the npm package `oidc-provider`).
// Usage: node oidc_provider.mjs PORT REDIRECT_URI PATH/TO/oidc-provider/lib/index.js
// One public client `aos` (PKCE, device code); a login form that signs in as whoever is typed.
import { pathToFileURL } from "node:url";

const [port, redirectUri, modulePath] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(modulePath).href);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "aos",
      client_name: "AOS",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
      response_types: ["code"],
      redirect_uris: [redirectUri],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "preferred_username"] },
  cookies: { keys: ["a-test-only-cookie-signing-key"] },
  features: {
    devInteractions: { enabled: false },
    deviceFlow: {
      enabled: true,
      userCodeConfirmSource: async (ctx, form) => {
        ctx.body = `<html><body>${form}<button type="submit" form="op.deviceConfirmForm">Continue</button></body></html>`;
      },
      successSource: async (ctx) => {
        ctx.body = "<html><body>Signed in: you may close this page.</body></html>";
      },
    },
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      email: `${id}@example.org`,
      email_verified: true,
      name: `User ${id}`,
      preferred_username: id,
    }),
  }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

// The interaction: a form asking for a login name; submitting it logs in and consents at once.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) return next();
  if (ctx.method === "GET") {
    ctx.type = "html";
    ctx.body = `<html><body><form method="post" action="/interaction/${match[1]}">` +
      `<input name="login"><button type="submit">Sign in</button></form></body></html>`;
    return;
  }
  const raw = await new Promise((resolve) => {
    let data = "";
    ctx.req.on("data", (chunk) => { data += chunk; });
    ctx.req.on("end", () => resolve(data));
  });
  const login = new URLSearchParams(raw).get("login");
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: login }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
  ctx.respond = false;
});

provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
