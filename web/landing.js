// landing.js: the landing page's login form, over the REST API.
'use strict';
const who = document.getElementById('who');

async function showMe() {
  const r = await fetch('/api/v1/auth/me', { credentials: 'same-origin' });
  who.textContent = r.ok ? JSON.stringify(await r.json(), null, 2) : 'not logged in';
}

document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const r = await fetch('/api/v1/auth/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: f.get('email'), password: f.get('password') }),
  });
  if (!r.ok) {
    const e = await r.json().catch(() => ({}));
    who.textContent = 'login failed: ' + ((e.error && e.error.message) || r.status);
    return;
  }
  await showMe();
});

showMe();
