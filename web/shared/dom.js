// dom.js: small DOM helpers shared by the agent console and the supervisor view.
// Server text is only ever placed with textContent or attribute values, never as HTML.

/** Creates an element: el('p', {class: 'x', 'aria-live': 'polite'}, 'text', child...).
 * Attributes starting with "on" are event listeners; null/undefined/false children are skipped. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'style') e.style.cssText = v;
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') e[k] = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  append(e, children);
  return e;
}

function append(parent, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces every child of `parent` with `children` (nodes or strings). */
export function fill(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
  return parent;
}

/** A client id for an outgoing message: unique per browser, at most 64 bytes. */
export function newClientId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** "3:05 PM" in the browser's locale for an ISO time or Unix seconds; '' when it does
 * not parse. */
export function clock(iso) {
  const d = new Date(typeof iso === 'number' ? iso * 1000 : iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

/** The wall-clock time an ISO string states ("2026-12-03T14:00:00-05:00" -> 14:00 on Dec 3),
 * as a Date whose UTC fields hold it; null when it does not parse. Slots and jobs are
 * written in the business's time zone, so this shows them as the business and the customer
 * say them, wherever the agent sits. */
function wall(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(String(iso ?? ''));
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]));
}

/** "Thu, Dec 3, 2:00 PM" for an ISO time, in the time zone the string is written in. */
export function when(iso) {
  const d = wall(iso);
  if (!d) return String(iso ?? '');
  return d.toLocaleString([], { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
}

/** A slot as "Thu, Dec 3, 2:00 PM-4:00 PM" (wall-clock times of the ISO strings). */
export function slotText(start, end) {
  const e = wall(end);
  const a = when(start);
  return e ? `${a}-${e.toLocaleTimeString([], { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' })}` : a;
}

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A reason code as words: "property_emergency" -> "property emergency". */
export function words(code) {
  return String(code ?? '').replace(/[_-]+/g, ' ').trim();
}

/** True when the keyboard focus rests on nothing in particular (the page itself, or an
 * element that is disabled, removed or inside a hidden part), so that a view may move it
 * where the work continues without taking it from a control the person is using. */
export function focusIsFree() {
  const a = document.activeElement;
  return !a || a === document.body || !a.isConnected || a.disabled === true || !!a.closest('[hidden]');
}
