// session.js: signing in over the REST API (session cookie + CSRF token kept in memory),
// the login form, and the signed-in life of a page over one /ws/agent session, shared by
// the agent console and the supervisor view.
import { LiveSocket } from '/shared/ws.js';

let csrf = null;

async function json(r) {
  return r.json().catch(() => ({}));
}

/** GET /api/v1/auth/me: resolves to the account ({user, tenants, csrf_token...}), or null
 * when there is no valid session (401); rejects when the server cannot say. */
export async function me() {
  const r = await fetch('/api/v1/auth/me', { credentials: 'same-origin' });
  if (r.status === 401) return null;
  if (!r.ok) throw new Error(`auth/me answered ${r.status}`);
  const body = await json(r);
  csrf = body.csrf_token ?? csrf;
  return body;
}

/** POST /api/v1/auth/login. Resolves to {ok: true, account} or {ok: false, message}. */
export async function login(email, password) {
  const r = await fetch('/api/v1/auth/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await json(r);
  if (!r.ok) {
    let message = body.error?.message ?? `sign-in failed (${r.status})`;
    if (r.status === 429) message = 'Too many failed sign-ins; try again later.';
    return { ok: false, message };
  }
  csrf = body.csrf_token;
  return { ok: true, account: body };
}

/** POST /api/v1/auth/logout with the CSRF token; resolves when the session is gone. */
export async function logout() {
  await fetch('/api/v1/auth/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrf ?? '' },
  }).catch(() => {});
  csrf = null;
}

/** GET a REST path for one tenant (X-Tenant); resolves to the JSON body or null. */
export async function getForTenant(path, slug) {
  const r = await fetch(path, { credentials: 'same-origin', headers: { 'X-Tenant': slug } });
  return r.ok ? json(r) : null;
}

/** Wires a <form> with email and password inputs and an element for errors:
 * calls onSignedIn(account) after a successful sign-in. */
export function mountLogin(form, errorEl, onSignedIn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    errorEl.textContent = '';
    try {
      const r = await login(String(f.get('email') ?? ''), String(f.get('password') ?? ''));
      if (!r.ok) {
        errorEl.textContent = r.message;
        return;
      }
      form.reset();
      onSignedIn(r.account);
    } catch {
      errorEl.textContent = 'The server cannot be reached.';
    } finally {
      button.disabled = false;
    }
  });
}

/**
 * Runs a page that works over one /ws/agent session once someone is signed in (the agent
 * console, the supervisor view). view: {login (the sign-in section, with form and error),
 * form, error, show (elements shown once signed in), hide (elements hidden while signing
 * in), who (names the user), conn (shows the connection, in the words of labels[state])}.
 * onStart(account, socket) runs once signed in, before the socket connects; onMessage(m)
 * gets every message. The sign-in form comes back when reconnecting keeps failing and
 * the session is gone.
 */
export function runSignedIn(view, { onStart, onMessage }) {
  let socket = null;
  const showLogin = () => {
    for (const e of view.hide) e.hidden = true;
    view.login.hidden = false;
    view.login.querySelector('input').focus();
  };
  const onState = async (s) => {
    view.conn.dataset.state = s;
    view.conn.textContent = view.labels[s] ?? s;
    if (s === 'reconnecting' && socket && socket.failures >= 2 && (await me().catch(() => undefined)) === null) {
      socket.stop();
      showLogin();
    }
  };
  const start = (account) => {
    view.login.hidden = true;
    for (const e of view.show) e.hidden = false;
    view.who.textContent = account?.user?.name ?? '';
    if (!socket) socket = new LiveSocket('/ws/agent', { onMessage, onState });
    onStart(account, socket);
    socket.start();
  };
  mountLogin(view.form, view.error, start);
  me().then((account) => (account ? start(account) : showLogin()), showLogin);
}
