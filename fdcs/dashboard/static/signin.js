// Signing in with the province's identity provider: OpenID Connect, authorization code flow with
// PKCE (S256), as a public client (no secret in the page). The code verifier, state and nonce wait in
// sessionStorage for the round trip to the provider; the tokens live in this page's memory only:
// never in the address bar, never in storage (a reload signs in again, silently while the
// provider's session lasts).
"use strict";

const SignIn = (() => {
  const PENDING = "fdcs.sign-in";
  let session = null;  // { accessToken, idToken, expiresAt }
  let discovered = null;
  let leaving = false;  // one sign-in at a time: a second would overwrite the first's state

  const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const random = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));

  // RFC 7636 4.2: BASE64URL(SHA-256(verifier)).
  async function challenge(verifier) {
    return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  }

  function payload(jwt) {
    const part = jwt.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // The answer must be to the request this tab sent: else it may be an attacker's code (CSRF).
  function checkReturn(params, pending) {
    if (!pending) throw new Error("no sign-in was started from this tab");
    if (!params.get("state") || params.get("state") !== pending.state) throw new Error("the sign-in's state does not match: refused");
    if (!params.get("code")) throw new Error("the identity provider sent no code");
  }

  // The ID token comes straight from the token endpoint over TLS (OpenID Connect Core 3.1.3.7):
  // its issuer, audience, expiry and nonce are checked here; the APIs verify the access token's signature.
  function checkIdToken(claims, { issuer, clientId, nonce, now }) {
    if (claims.iss !== issuer) throw new Error(`the ID token is from ${claims.iss}, not ${issuer}`);
    if (![].concat(claims.aud).includes(clientId)) throw new Error("the ID token is not for this page");
    if (!claims.nonce || claims.nonce !== nonce) throw new Error("the ID token's nonce does not match: refused");
    if (!(claims.exp * 1000 > now)) throw new Error("the ID token has expired");
  }

  async function discover(issuer) {
    if (discovered) return discovered;
    const answer = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (!answer.ok) throw new Error(`the identity provider did not answer (${answer.status})`);
    const document = await answer.json();
    if (document.issuer !== issuer) throw new Error(`the discovery document is ${document.issuer}'s, not ${issuer}'s`);
    discovered = document;
    return document;
  }

  const redirectUri = (config) => `${location.origin}${config.redirect_path}`;

  async function begin(config) {
    if (leaving) return;
    leaving = true;
    try {
      await leave(config);
    } catch (failure) {
      leaving = false;
      throw failure;
    }
  }

  async function leave(config) {
    const provider = await discover(config.issuer);
    const pending = { state: random(24), nonce: random(24), verifier: random(48), back: location.pathname };
    sessionStorage.setItem(PENDING, JSON.stringify(pending));
    const query = new URLSearchParams({
      response_type: "code", client_id: config.client_id, redirect_uri: redirectUri(config), scope: config.scopes,
      state: pending.state, nonce: pending.nonce, code_challenge: await challenge(pending.verifier),
      code_challenge_method: "S256",
    });
    location.assign(`${provider.authorization_endpoint}?${query}`);
  }

  async function finish(config, params) {
    const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
    sessionStorage.removeItem(PENDING);  // one use, whatever happens next
    history.replaceState(null, "", pending?.back || "/");  // the code leaves the address bar
    if (params.get("error")) throw new Error(`the identity provider refused: ${params.get("error_description") || params.get("error")}`);
    checkReturn(params, pending);
    const provider = await discover(config.issuer);
    const answer = await fetch(provider.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", code: params.get("code"), redirect_uri: redirectUri(config),
        client_id: config.client_id, code_verifier: pending.verifier,
      }),
    });
    if (!answer.ok) throw new Error(`the identity provider refused the code (${answer.status})`);
    const tokens = await answer.json();
    checkIdToken(payload(tokens.id_token), { issuer: config.issuer, clientId: config.client_id, nonce: pending.nonce, now: Date.now() });
    session = { accessToken: tokens.access_token, idToken: tokens.id_token, expiresAt: Date.now() + (tokens.expires_in ?? 300) * 1000 };
  }

  // The official's access token; null while the page leaves for the provider.
  async function bearer(config) {
    if (session && session.expiresAt > Date.now() + 10_000) return session.accessToken;
    const params = new URLSearchParams(location.search);
    if (location.pathname === config.redirect_path && (params.has("code") || params.has("error"))) {
      await finish(config, params);
      return session.accessToken;
    }
    await begin(config);
    return null;
  }

  async function signOut(config) {
    const idToken = session?.idToken;
    session = null;
    const provider = await discover(config.issuer);
    if (!provider.end_session_endpoint) return false;
    const query = new URLSearchParams({ client_id: config.client_id, post_logout_redirect_uri: `${location.origin}/` });
    if (idToken) query.set("id_token_hint", idToken);
    location.assign(`${provider.end_session_endpoint}?${query}`);
    return true;
  }

  return { challenge, checkReturn, checkIdToken, payload, bearer, begin, signOut, signedIn: () => session !== null };
})();
