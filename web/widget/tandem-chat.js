/* tandem-chat.js: the embeddable customer web chat. One script tag adds a launcher and a
 * chat panel to any page and speaks the /ws/chat protocol (docs/api.md) to tandem.
 *
 *   <script src="https://HOST/widget/tandem-chat.js" data-tenant="demo" defer></script>
 *
 * Optional data- attributes: data-color (accent colour), data-position ("right" or
 * "left"), data-greeting (the line shown before the first message), data-title (the
 * launcher's label), data-lang ("en", "es"), data-server (the tandem origin, default the
 * script's own), data-open ("true" opens the panel at once).
 *
 * Server text is only ever placed with textContent, never parsed as HTML. */
(function () {
  'use strict';

  const script = document.currentScript;
  if (!script || window.__tandemChat) return;
  const cfg = readConfig(script);
  if (!cfg.tenant) {
    console.error('tandem-chat: data-tenant is required');
    return;
  }
  window.__tandemChat = true;

  const KEY = 'tandem-chat:' + cfg.tenant;
  const MAX_KEPT = 200;           /* messages kept in localStorage for a reload */
  const PAGE = 50;                /* older messages asked for at a time (the server's limit: 200) */
  const BACKOFF_MIN = 500;        /* ms; doubles on each failed attempt */
  const BACKOFF_MAX = 30000;
  const TYPING_IDLE = 3000;       /* ms without a key press before "stopped typing" */
  const TYPING_STALE = 20000;     /* ms after which a "typing" from the server is dropped */
  const MAX_TEXT = 2000;          /* bytes of UTF-8 in one customer message (the server's limit) */
  const RESEND_DELAY = 2000;      /* ms before a message the server could not take goes again */
  /* errors after which a message is sent again; any other error about it is final */
  const TRANSIENT = new Set(['rate_limited', 'internal', 'unavailable', 'hello_required']);

  const T = {
    en: {
      launcher: 'Chat with us', close: 'Close chat', send: 'Send', message: 'Message',
      placeholder: 'Type your message…', ai: 'virtual assistant (AI)', aiName: 'Virtual assistant (AI)',
      log: 'Chat messages', suggested: 'Suggested replies',
      you: 'You', team: 'team member', person: (n) => (n ? n + ', from our team' : 'a person from our team'), typingAi: 'The assistant is typing…',
      typingAgent: (n) => (n ? n + ' is typing…' : 'Someone is typing…'),
      connecting: 'Connecting…', reconnecting: 'Connection lost. Reconnecting…',
      unavailable: 'The chat is not available right now.',
      sending: 'Sending…', notSent: 'Not sent', tooLong: 'That message is too long; please shorten it.', retry: 'Your message will be sent when the connection is back.',
      queued: (p, w) => 'A member of our team will join this chat. You are number ' + p +
        ' in line' + (w ? '; expected wait ' + w : '') + '.',
      connectingPerson: 'Connecting you with a member of our team…',
      surge: (d) => ' We are busier than usual: if nobody can join in time, we will call you back; the earliest we can promise is ' + d + '.',
      assigned: (n) => (n || 'A team member') + ' has joined the chat.',
      backToAi: 'You are chatting with our virtual assistant (AI) again.',
      callback: (d, ph) => 'Nobody can take this chat right now, so we will call you back' +
        (ph ? ' at ' + ph : '') + (d ? ' around ' + d : '') + '.',
      callbackTaken: (d, ph) => 'Done: we will call you back' + (ph ? ' at ' + ph : '') +
        (d ? ' around ' + d : '') + '. You can close this window.',
      cbGroup: 'Get a call back instead of waiting', cbButton: (d) => 'Call me back instead' + (d ? ' (' + d + ')' : ''),
      cbPhone: 'Your phone number', cbPhoneNeeded: 'Please type the number we should call.',
      cbGone: 'You are no longer waiting in line.',
      callUs: 'Prefer to call?', unread: (n) => n + ' new message' + (n === 1 ? '' : 's'),
      minutes: (m) => (m < 1 ? 'under a minute' : 'about ' + m + ' minute' + (m === 1 ? '' : 's')),
      greeting: 'Hi! How can we help today?', earlier: 'Earlier messages',
    },
    es: {
      launcher: 'Chatea con nosotros', close: 'Cerrar el chat', send: 'Enviar', message: 'Mensaje',
      placeholder: 'Escribe tu mensaje…', ai: 'asistente virtual (IA)', aiName: 'Asistente virtual (IA)',
      log: 'Mensajes del chat', suggested: 'Respuestas sugeridas',
      you: 'Tú', team: 'miembro del equipo', person: (n) => (n ? n + ', de nuestro equipo' : 'una persona de nuestro equipo'), typingAi: 'El asistente está escribiendo…',
      typingAgent: (n) => (n ? n + ' está escribiendo…' : 'Alguien está escribiendo…'),
      connecting: 'Conectando…', reconnecting: 'Se perdió la conexión. Reconectando…',
      unavailable: 'El chat no está disponible en este momento.',
      sending: 'Enviando…', notSent: 'No enviado', tooLong: 'Ese mensaje es demasiado largo; acórtalo, por favor.', retry: 'Tu mensaje se enviará cuando vuelva la conexión.',
      queued: (p, w) => 'Una persona de nuestro equipo se unirá al chat. Eres el número ' + p +
        ' en la fila' + (w ? '; espera estimada ' + w : '') + '.',
      connectingPerson: 'Te estamos conectando con una persona de nuestro equipo…',
      surge: (d) => ' Hay más trabajo que de costumbre: si nadie puede atenderte a tiempo, te llamaremos; lo más pronto que podemos prometer es ' + d + '.',
      assigned: (n) => (n || 'Una persona del equipo') + ' se unió al chat.',
      backToAi: 'Estás de nuevo con nuestro asistente virtual (IA).',
      callback: (d, ph) => 'Ahora nadie puede atender este chat; te llamaremos' +
        (ph ? ' al ' + ph : '') + (d ? ' alrededor de ' + d : '') + '.',
      callbackTaken: (d, ph) => 'Listo: te llamaremos' + (ph ? ' al ' + ph : '') +
        (d ? ' alrededor de ' + d : '') + '. Puedes cerrar esta ventana.',
      cbGroup: 'Recibir una llamada en lugar de esperar', cbButton: (d) => 'Prefiero que me llamen' + (d ? ' (' + d + ')' : ''),
      cbPhone: 'Tu número de teléfono', cbPhoneNeeded: 'Escribe el número al que debemos llamar.',
      cbGone: 'Ya no estás esperando en la fila.',
      callUs: '¿Prefieres llamar?', unread: (n) => n + (n === 1 ? ' mensaje nuevo' : ' mensajes nuevos'),
      minutes: (m) => (m < 1 ? 'menos de un minuto' : 'unos ' + m + (m === 1 ? ' minuto' : ' minutos')),
      greeting: '¡Hola! ¿En qué podemos ayudarte?', earlier: 'Mensajes anteriores',
    },
  };
  const t = T[cfg.lang] || T.en;

  /* ---- state ---------------------------------------------------------------------- */

  /* saved: {visitor, conversation, last_seq, messages: [{seq, from, name, text, at,
   * client_id}], pending: [{client_id, text}], open, owner, agent}. conversation stays
   * null until the first message is acknowledged: the server starts the conversation
   * with it, not at the page view. */
  let saved = load();
  let ws = null;
  let ready = false;              /* a welcome arrived on the current socket */
  let attempts = 0;
  let retryTimer = 0;
  let connectedOnce = false;
  let typingSent = false;
  let typingTimer = 0;
  let unread = 0;
  let queueNotice = null;         /* the live "you are number N in line" element */
  let cbForm = null;              /* the surge notice's "call me back instead" form */
  let cbClient = null;            /* the client_id of the callback request in flight */
  let olderAsked = false;         /* a history request is out */
  let gapFloor = null;            /* after a reconnect that left messages out: the last seq held before */
  const peerTyping = { ai: 0, agent: 0 };

  function fresh() {
    return { visitor: null, conversation: null, last_seq: 0, messages: [], pending: [], open: false,
      owner: 'ai', agent: null, notices: [], business: null };
  }

  function load() {
    try {
      const s = JSON.parse(localStorage.getItem(KEY) || 'null');
      if (s && typeof s === 'object' && Array.isArray(s.messages) && Array.isArray(s.pending))
        return Object.assign(fresh(), s);
    } catch (e) { /* storage unavailable or corrupt: start over */ }
    return fresh();
  }

  /* Writes the state, merging what another tab of this site may have stored meanwhile
   * (same conversation: union of messages by seq, and of unacknowledged messages not
   * stored yet; sending one of those again is harmless, its client_id is the same). */
  function save() {
    try {
      const other = load();
      if (other.conversation && other.conversation === saved.conversation) {
        const have = new Set(saved.messages.map((m) => m.seq));
        for (const m of other.messages) if (!have.has(m.seq)) saved.messages.push(m);
        saved.messages.sort((a, b) => a.seq - b.seq);
        const done = new Set(saved.messages.map((m) => m.client_id).filter(Boolean));
        const mine = new Set(saved.pending.map((p) => p.client_id));
        for (const p of other.pending)
          if (!mine.has(p.client_id) && !done.has(p.client_id)) saved.pending.push(p);
        saved.pending = saved.pending.filter((p) => !done.has(p.client_id));
      }
      if (saved.messages.length > MAX_KEPT) saved.messages = saved.messages.slice(-MAX_KEPT);
      if (saved.notices.length > 20) saved.notices = saved.notices.slice(-20);
      localStorage.setItem(KEY, JSON.stringify(saved));
    } catch (e) { /* private mode or full: the chat still works for this page */ }
  }

  /* ---- DOM ------------------------------------------------------------------------ */

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of kids) if (c) n.append(c);
    return n;
  }

  const host = el('div', { class: 'tandem-chat-host', 'data-tandem-chat': cfg.tenant });
  const root = host.attachShadow({ mode: 'open' });
  const sheet = el('link', { rel: 'stylesheet', href: cfg.base + '/widget/tandem-chat.css' });
  const frame = el('div', { class: 'tc ' + (cfg.position === 'left' ? 'tc-left' : 'tc-right'), hidden: true });
  sheet.addEventListener('load', () => { frame.hidden = false; });
  sheet.addEventListener('error', () => { frame.hidden = false; });
  if (cfg.color) frame.style.setProperty('--tc-accent', cfg.color);

  const badge = el('span', { class: 'tc-badge', hidden: true, 'aria-hidden': 'true' });
  const launcher = el('button', {
    type: 'button', class: 'tc-launcher', 'aria-expanded': 'false', 'aria-controls': 'tc-panel',
    'aria-label': cfg.title || t.launcher,
    onclick: () => (saved.open ? close(true) : open(true)),
  }, icon(), el('span', { class: 'tc-launcher-text', text: cfg.title || t.launcher }), badge);

  const title = el('h2', { class: 'tc-title', id: 'tc-title', text: cfg.title || t.launcher });
  const subtitle = el('p', { class: 'tc-sub', id: 'tc-sub', text: t.ai });
  const closeBtn = el('button', { type: 'button', class: 'tc-close', 'aria-label': t.close, onclick: () => close(true) },
    el('span', { 'aria-hidden': 'true', text: '×' }));
  const status = el('p', { class: 'tc-status', role: 'status', hidden: true });
  const log = el('div', { class: 'tc-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions text',
    'aria-label': t.log, tabindex: '0' });
  const intro = el('p', { class: 'tc-intro', text: cfg.greeting || t.greeting });
  const earlier = el('button', { type: 'button', class: 'tc-earlier', text: t.earlier, hidden: true,
    onclick: () => askOlder() });
  log.append(intro, earlier);
  log.addEventListener('scroll', () => { if (log.scrollTop === 0 && !earlier.hidden) askOlder(); });
  const typing = el('div', { class: 'tc-typing', hidden: true },
    el('span', { class: 'tc-dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
    el('span', { class: 'tc-typing-text' }));
  const replies = el('div', { class: 'tc-replies', role: 'group', 'aria-label': t.suggested, hidden: true });
  const input = el('textarea', { id: 'tc-input', class: 'tc-input', rows: '1', maxlength: String(MAX_TEXT),
    placeholder: t.placeholder, autocomplete: 'off', enterkeyhint: 'send' });
  const sendBtn = el('button', { type: 'submit', class: 'tc-send', text: t.send });
  const form = el('form', { class: 'tc-form', onsubmit: (ev) => { ev.preventDefault(); submit(); } },
    el('label', { for: 'tc-input', class: 'tc-sr', text: t.message }), input, sendBtn);
  const hint = el('p', { class: 'tc-hint', role: 'alert', hidden: true });
  const phone = el('p', { class: 'tc-phone', hidden: true });
  const panel = el('section', { id: 'tc-panel', class: 'tc-panel', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': 'tc-title', 'aria-describedby': 'tc-sub', hidden: true },
    el('div', { class: 'tc-head' }, el('div', { class: 'tc-head-text' }, title, subtitle), closeBtn),
    status, log, typing, replies, form, hint, phone);
  frame.append(panel, launcher);
  root.append(sheet, frame);

  function icon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'tc-icon');
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
    svg.append(p);
    return svg;
  }

  /* ---- rendering ------------------------------------------------------------------ */

  function fmtTime(iso) {
    const d = iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return '';
    return d.toLocaleTimeString(cfg.lang, { hour: 'numeric', minute: '2-digit' });
  }

  function fmtWhen(iso) {
    const d = iso ? new Date(iso) : null;
    if (!d || isNaN(d)) return '';
    return d.toLocaleString(cfg.lang, { weekday: 'long', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
  }

  function fmtPhone(e164) {
    const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164 || '');
    return m ? '(' + m[1] + ') ' + m[2] + '-' + m[3] : e164 || '';
  }

  function senderLabel(m) {
    if (m.from === 'customer') return t.you;
    if (m.from === 'ai') return t.aiName;
    if (m.from === 'agent') return m.name || t.team;
    return '';
  }

  /* Inserts a node among the sequenced messages in seq order; unsent ones stay last. */
  function place(node, seq) {
    if (seq) {
      for (const c of log.children) {
        const s = Number(c.dataset.seq || 0);
        if ((s && s > seq) || c.classList.contains('tc-pending')) {
          log.insertBefore(node, c);
          return;
        }
      }
    }
    log.append(node);
  }

  function bubble(m, pending) {
    if (m.from === 'system') {
      const n = el('p', { class: 'tc-notice', 'data-from': 'system', 'data-seq': m.seq || null, text: m.text });
      return n;
    }
    const n = el('div', { class: 'tc-msg tc-' + m.from + (pending ? ' tc-pending' : ''), 'data-from': m.from,
      'data-seq': m.seq || null, 'data-client-id': m.client_id || null });
    const who = el('span', { class: 'tc-who', text: senderLabel(m) });
    const body = el('p', { class: 'tc-text', text: m.text });
    const meta = el('span', { class: 'tc-meta', text: pending ? t.sending : fmtTime(m.at) });
    n.append(who, body, meta);
    return n;
  }

  function findSeq(seq) {
    for (const c of log.children) if (Number(c.dataset.seq) === seq) return c;
    return null;
  }

  function findClient(cid) {
    if (!cid) return null;
    for (const c of log.children) if (c.dataset.clientId === cid) return c;
    return null;
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  /* A message of the conversation from the server (live or replayed). Returns true when
   * it was new. Duplicates (same seq) are dropped; the customer's own message, matched by
   * client_id, takes the place of its pending bubble. */
  function addMessage(m, live) {
    if (!Number.isInteger(m.seq) || m.seq <= 0 || typeof m.text !== 'string') return false;
    if (findSeq(m.seq) || saved.messages.some((x) => x.seq === m.seq)) {
      if (!findSeq(m.seq)) render(m);
      return false;
    }
    const keep = { seq: m.seq, from: m.from, text: m.text, at: m.at };
    if (m.name) keep.name = m.name;
    if (m.client_id) keep.client_id = m.client_id;
    if (Array.isArray(m.quick_replies) && m.quick_replies.length) keep.quick_replies = m.quick_replies.slice(0, 8);
    saved.messages.push(keep);
    saved.messages.sort((a, b) => a.seq - b.seq);
    if (m.seq > saved.last_seq) saved.last_seq = m.seq;
    if (m.client_id) dropPending(m.client_id);
    const mine = findClient(m.client_id);
    if (mine && mine.classList.contains('tc-pending')) mine.remove();
    render(keep);
    if (m.from === 'ai' || m.from === 'agent') {
      setTyping(m.from, false);
      if (live && !saved.open) setUnread(unread + 1);
    }
    if (live) showReplies(m.quick_replies);
    return true;
  }

  function render(m) {
    const n = bubble(m, false);
    place(n, m.seq);
    scrollDown();
  }

  function dropPending(cid) {
    saved.pending = saved.pending.filter((p) => p.client_id !== cid);
  }

  function notice(text, keep) {
    const n = el('p', { class: 'tc-notice', 'data-from': 'notice', text });
    log.append(n);
    scrollDown();
    if (keep) {
      saved.notices.push({ after: saved.last_seq, text });
      save();
    }
    return n;
  }

  function showReplies(list) {
    replies.replaceChildren();
    replies.hidden = true;
    if (!Array.isArray(list) || !list.length) return;
    for (const r of list.slice(0, 8)) {
      if (typeof r !== 'string' || !r) continue;
      replies.append(el('button', { type: 'button', class: 'tc-reply', text: r,
        onclick: () => { send(r); input.focus(); } }));
    }
    replies.hidden = !replies.children.length;
  }

  function setTyping(from, on) {
    clearTimeout(peerTyping[from]);
    peerTyping[from] = on ? setTimeout(() => setTyping(from, false), TYPING_STALE) : 0;
    const who = peerTyping.agent ? 'agent' : peerTyping.ai ? 'ai' : null;
    typing.hidden = !who;
    typing.lastChild.textContent = who === 'agent' ? t.typingAgent(saved.agent) : who ? t.typingAi : '';
    if (who) scrollDown();
  }

  function setUnread(n) {
    unread = n;
    badge.hidden = !n;
    badge.textContent = n ? String(n) : '';
    launcher.setAttribute('aria-label', (cfg.title || t.launcher) + (n ? ', ' + t.unread(n) : ''));
  }

  function setOwner(owner, agent) {
    saved.owner = owner === 'human' ? 'human' : 'ai';
    saved.agent = saved.owner === 'human' ? agent || saved.agent : null;
    subtitle.textContent = saved.owner === 'human' ? t.person(saved.agent) : t.ai;
    save();
  }

  function showBusiness() {
    const b = saved.business;
    if (!b) return;
    if (b.name && !cfg.title) title.textContent = b.name;
    if (/^\+[0-9]{6,15}$/.test(b.phone)) {
      phone.replaceChildren(t.callUs + ' ', el('a', { href: 'tel:' + b.phone, text: fmtPhone(b.phone) }));
      phone.hidden = false;
    }
  }

  function setStatus(text) {
    status.hidden = !text;
    status.textContent = text || '';
  }

  function renderSaved() {
    for (const m of saved.messages) render(m);
    const notices = saved.notices.slice().sort((a, b) => a.after - b.after);
    for (const nt of notices) {
      const n = el('p', { class: 'tc-notice', 'data-from': 'notice', text: nt.text });
      if (nt.queue) n.classList.add('tc-queue');
      queueNotice = nt.queue ? n : null;
      const next = [...log.children].find((c) => Number(c.dataset.seq || 0) > nt.after);
      if (next) log.insertBefore(n, next);
      else log.append(n);
    }
    for (const p of saved.pending) log.append(bubble({ from: 'customer', text: p.text, client_id: p.client_id }, true));
    const last = saved.messages[saved.messages.length - 1];
    showReplies(last && last.from !== 'customer' && !saved.pending.length ? last.quick_replies : null);
    setOwner(saved.owner, saved.agent);
    showBusiness();
    showEarlier();
    scrollDown();
  }

  /* ---- the connection ------------------------------------------------------------- */

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (ws) return;
    ready = false;
    setStatus(connectedOnce ? t.reconnecting : t.connecting);
    let sock;
    try {
      sock = new WebSocket(cfg.ws);
    } catch (e) {
      retry();
      return;
    }
    ws = sock;
    sock.onopen = () => {
      const hello = { type: 'hello', lang: cfg.lang };
      if (saved.visitor) hello.visitor = saved.visitor;
      if (saved.visitor && saved.conversation) {
        hello.conversation = saved.conversation;
        hello.last_seq = saved.last_seq;
      }
      sock.send(JSON.stringify(hello));
    };
    sock.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      if (msg && typeof msg === 'object') receive(msg);
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      ready = false;
      olderAsked = false;
      setTyping('ai', false);
      setTyping('agent', false);
      for (const c of log.querySelectorAll('.tc-pending .tc-meta')) c.textContent = t.retry;
      /* 1008: the server refuses this business (unknown tenant); trying fast will not help */
      if (ev.code === 1008) attempts = Math.max(attempts, 16);
      retry(ev.code === 1008 ? unavailableText() : t.reconnecting);
    };
    sock.onerror = () => { /* onclose follows */ };
  }

  function unavailableText() {
    const b = saved.business;
    return t.unavailable + (b && b.phone ? ' ' + t.callUs + ' ' + fmtPhone(b.phone) : '');
  }

  function retry(why) {
    if (retryTimer) return;
    setStatus(why || t.reconnecting);
    const ceiling = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** attempts);
    attempts++;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    retryTimer = setTimeout(() => { retryTimer = 0; connect(); }, delay);
  }

  /* Connects now instead of waiting out the back-off (the network or the tab came back). */
  function nudge() {
    if (!ws && retryTimer && (saved.open || saved.conversation || saved.pending.length)) {
      attempts = 0;
      connect();
    }
  }

  function receive(msg) {
    switch (msg.type) {
      case 'welcome': {
        const same = saved.conversation && msg.conversation === saved.conversation;
        if (!same && saved.conversation) {
          /* the old conversation could not be resumed: start the transcript over */
          const pending = saved.pending;
          saved = Object.assign(fresh(), { open: saved.open, pending, business: saved.business });
          for (const c of [...log.children]) if (c !== intro && c !== earlier) c.remove();
          renderSaved();
        }
        saved.visitor = msg.visitor || saved.visitor;
        saved.conversation = Number.isInteger(msg.conversation) ? msg.conversation : null;
        if (msg.business && typeof msg.business === 'object') {
          saved.business = { name: String(msg.business.name || ''), phone: String(msg.business.phone || '') };
          showBusiness();
        }
        const held = saved.last_seq;
        let last = null;
        for (const m of Array.isArray(msg.messages) ? msg.messages : []) if (addMessage(m, false)) last = m;
        olderAsked = false;
        /* the replay left out some of what this browser missed: fetch them */
        gapFloor = msg.more === true && held > 0 ? held : null;
        if (gapFloor !== null) askGap();
        showEarlier();
        if (last && last.from !== 'customer') showReplies(last.quick_replies);
        setOwner(msg.owner, msg.agent);
        ready = true;
        connectedOnce = true;
        attempts = 0;
        setStatus('');
        save();
        /* resend whatever the server has not acknowledged, with the same client_id */
        for (const p of saved.pending) transmit(p);
        for (const c of log.querySelectorAll('.tc-pending .tc-meta')) c.textContent = t.sending;
        break;
      }
      case 'message':
        if (addMessage(msg, true)) save();
        break;
      case 'ack': {
        if (!Number.isInteger(msg.seq)) break;
        /* the first message started the conversation: resume it after a reload */
        if (!saved.conversation && Number.isInteger(msg.conversation)) {
          saved.conversation = msg.conversation;
          save();
        }
        const p = saved.pending.find((x) => x.client_id === msg.client_id);
        const node = findClient(msg.client_id);
        if (p) {
          dropPending(p.client_id);
          if (findSeq(msg.seq) || saved.messages.some((x) => x.seq === msg.seq)) {
            if (node && node.classList.contains('tc-pending')) node.remove();
          } else {
            const m = { seq: msg.seq, from: 'customer', text: p.text, at: new Date().toISOString(), client_id: p.client_id };
            saved.messages.push(m);
            saved.messages.sort((a, b) => a.seq - b.seq);
            if (node) node.remove();
            render(m);
          }
          save();
        }
        break;
      }
      case 'typing':
        if (msg.from === 'ai' || msg.from === 'agent') setTyping(msg.from, !!msg.on);
        break;
      case 'history':
        older(msg);
        break;
      case 'handoff':
        handoff(msg);
        break;
      case 'callback': {
        const ph = msg.phone ? fmtPhone(msg.phone) : '';
        dropCallbackOffer();
        notice((msg.requested === true ? t.callbackTaken : t.callback)(fmtWhen(msg.due), ph), true);
        break;
      }
      case 'error': {
        if (cbClient && msg.ref === cbClient) {
          callbackRefused(msg);
          break;
        }
        if (!msg.ref && olderAsked) {   /* a history request was refused: let it be asked again */
          olderAsked = false;
          gapFloor = null;
          showEarlier();
        }
        const node = findClient(msg.ref);
        const p = saved.pending.find((x) => x.client_id === msg.ref);
        if (p && TRANSIENT.has(msg.code)) {
          /* not stored this time: the same client_id goes again shortly */
          setTimeout(() => { if (saved.pending.includes(p)) transmit(p); }, RESEND_DELAY);
        } else if (node && node.classList.contains('tc-pending')) {
          dropPending(msg.ref);
          node.classList.remove('tc-pending');
          node.classList.add('tc-failed');
          node.querySelector('.tc-meta').textContent = t.notSent +
            (typeof msg.message === 'string' && msg.message ? ': ' + msg.message : '');
          save();
        }
        break;
      }
      default:
        break;
    }
  }

  function handoff(msg) {
    if (msg.state === 'queued') {
      /* without a position the conversation is being offered to someone already */
      const p = Number.isInteger(msg.position) && msg.position > 0 ? msg.position : 0;
      const s = typeof msg.wait_seconds === 'number' && msg.wait_seconds >= 0 ? msg.wait_seconds : -1;
      let text = p ? t.queued(p, s >= 0 ? t.minutes(Math.round(s / 60)) : '') : t.connectingPerson;
      const offer = msg.surge === true ? fmtWhen(msg.callback_offer) : '';
      if (offer) text += t.surge(offer);
      if (queueNotice && queueNotice.isConnected) {
        queueNotice.textContent = text;   /* the live region announces the change */
      } else {
        queueNotice = notice(text, false);
        queueNotice.classList.add('tc-queue');
      }
      const last = saved.notices[saved.notices.length - 1];
      if (last && last.queue) last.text = text;
      else saved.notices.push({ after: saved.last_seq, text, queue: true });
      save();
      if (offer) callbackOffer(offer);
    } else if (msg.state === 'assigned') {
      queueNotice = null;
      dropCallbackOffer();
      setTyping('ai', false);
      setOwner('human', typeof msg.agent === 'string' ? msg.agent : null);
      notice(t.assigned(saved.agent), true);
    } else if (msg.state === 'ai') {
      queueNotice = null;
      setOwner('ai', null);
      notice(t.backToAi, true);
    }
  }

  /* ---- the surge's callback offer ---------------------------------------------------- */

  /* Under the queue notice during a surge: the customer may leave the line and be called
   * back at the time offered (the phone is asked for only if the business has none). */
  function callbackOffer(when) {
    if (cbForm && cbForm.isConnected) {
      cbForm.querySelector('.tc-cb-go').textContent = t.cbButton(when);
      return;
    }
    const phone = el('input', { type: 'tel', class: 'tc-cb-phone', autocomplete: 'tel', maxlength: '40',
      placeholder: t.cbPhone, 'aria-label': t.cbPhone });
    const hint = el('p', { class: 'tc-cb-hint', role: 'status' });
    const go = el('button', { type: 'button', class: 'tc-cb-go', text: t.cbButton(when),
      onclick: () => requestCallback() });
    phone.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); requestCallback(); } });
    cbForm = el('div', { class: 'tc-cb', role: 'group', 'aria-label': t.cbGroup }, phone, go, hint);
    log.append(cbForm);
    scrollDown();
  }

  function requestCallback() {
    if (!cbForm || !ws || !ready) return;
    const go = cbForm.querySelector('.tc-cb-go');
    const phone = cbForm.querySelector('.tc-cb-phone').value.trim();
    cbClient = 'cb-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    const m = { type: 'callback', client_id: cbClient };
    if (phone) m.phone = phone;
    go.disabled = true;
    ws.send(JSON.stringify(m));
  }

  function callbackRefused(msg) {
    cbClient = null;
    if (!cbForm) return;
    if (msg.code === 'conflict') {
      dropCallbackOffer();
      notice(t.cbGone, false);
      return;
    }
    cbForm.querySelector('.tc-cb-go').disabled = false;
    const phone = cbForm.querySelector('.tc-cb-phone');
    cbForm.querySelector('.tc-cb-hint').textContent =
      msg.code === 'phone_required' ? t.cbPhoneNeeded : (typeof msg.message === 'string' ? msg.message : '');
    if (msg.code === 'phone_required' || msg.code === 'invalid') phone.focus();
  }

  function dropCallbackOffer() {
    if (cbForm) cbForm.remove();
    cbForm = null;
    cbClient = null;
  }

  /* ---- older messages ------------------------------------------------------------ */

  /* The lowest seq shown (older ones may have been dropped from storage). */
  function oldestShown() {
    let low = 0;
    for (const c of log.children) {
      const s = Number(c.dataset.seq || 0);
      if (s && (!low || s < low)) low = s;
    }
    return low;
  }

  /* The "earlier messages" button: shown while messages before the oldest shown exist. */
  function showEarlier() {
    earlier.hidden = !saved.conversation || oldestShown() <= 1;
    earlier.setAttribute('aria-busy', olderAsked ? 'true' : 'false');
  }

  function askHistory(before, limit) {
    if (olderAsked || !ws || !ready || ws.readyState !== WebSocket.OPEN) return;
    olderAsked = true;
    ws.send(JSON.stringify({ type: 'history', before, limit }));
    showEarlier();
  }

  function askOlder() {
    const low = oldestShown();
    if (low > 1) askHistory(low, PAGE);
  }

  /* The seqs just after gapFloor that the last welcome left out, a page at a time. */
  function askGap() {
    let first = 0;
    for (const m of saved.messages) if (m.seq > gapFloor) { first = m.seq; break; }
    if (!first || first <= gapFloor + 1) gapFloor = null;
    else askHistory(first, Math.min(200, first - gapFloor - 1));
  }

  /* A page of older messages: placed in seq order, the view kept where the reader is. */
  function older(msg) {
    olderAsked = false;
    const list = Array.isArray(msg.messages) ? msg.messages : [];
    const height = log.scrollHeight, top = log.scrollTop;
    let added = false;
    for (const m of list) if (addMessage(m, false)) added = true;
    if (gapFloor === null) log.scrollTop = top + (log.scrollHeight - height);
    if (added) save();
    else gapFloor = null;           /* nothing more to be had */
    if (gapFloor !== null) askGap();
    showEarlier();
  }

  function transmit(p) {
    if (ws && ready && ws.readyState === WebSocket.OPEN)
      ws.send(JSON.stringify({ type: 'message', client_id: p.client_id, text: p.text }));
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }

  /* The customer says something: shown at once, stored until the server acknowledges
   * it, sent now if connected or after the next welcome otherwise. */
  function send(text) {
    text = text.trim();
    if (!text) return;
    const p = { client_id: newId(), text };
    saved.pending.push(p);
    save();
    const n = bubble({ from: 'customer', text, client_id: p.client_id }, true);
    if (!ready) n.querySelector('.tc-meta').textContent = t.retry;
    log.append(n);
    scrollDown();
    showReplies(null);
    stopTyping();
    if (!ws) connect();
    else transmit(p);
  }

  function submit() {
    const text = input.value;
    if (!text.trim()) return;
    if (new TextEncoder().encode(text.trim()).length > MAX_TEXT) {
      hint.textContent = t.tooLong;
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    input.value = '';
    grow();
    send(text);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && ws && ready) ws.send(JSON.stringify({ type: 'typing', on: false }));
    typingSent = false;
  }

  function keyed() {
    if (!typingSent && ws && ready && input.value.trim()) {
      ws.send(JSON.stringify({ type: 'typing', on: true }));
      typingSent = true;
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE);
  }

  function grow() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 120) + 'px';
  }

  input.addEventListener('input', () => { grow(); keyed(); });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      submit();
    }
  });
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      close(true);
    }
  });

  /* ---- open and close ------------------------------------------------------------- */

  function open(focus) {
    saved.open = true;
    save();
    panel.hidden = false;
    frame.classList.add('tc-open');
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(0);
    scrollDown();
    if (focus) input.focus();
    if (!ws) connect();
  }

  function close(focus) {
    saved.open = false;
    save();
    panel.hidden = true;
    frame.classList.remove('tc-open');
    launcher.setAttribute('aria-expanded', 'false');
    if (focus) launcher.focus();
  }

  /* Another tab of this visitor started the conversation while this one had none yet:
   * follow it (a new hello names it and replays it). */
  window.addEventListener('storage', (ev) => {
    if (ev.key !== KEY || saved.conversation) return;
    const other = load();
    if (!other.conversation || other.visitor !== saved.visitor) return;
    saved.conversation = other.conversation;
    saved.last_seq = 0;
    if (ws) ws.close();
  });

  window.addEventListener('online', nudge);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) nudge(); });

  function readConfig(s) {
    const d = s.dataset;
    let base;
    try {
      base = new URL(d.server || s.src || location.href, location.href).origin;
    } catch (e) {
      base = location.origin;
    }
    const wsBase = base.replace(/^http/, 'ws');
    const lang = (d.lang || document.documentElement.lang || 'en').slice(0, 2).toLowerCase();
    const color = d.color && window.CSS && CSS.supports('color', d.color) ? d.color : null;
    return {
      tenant: d.tenant || '',
      base,
      ws: wsBase + '/ws/chat?tenant=' + encodeURIComponent(d.tenant || ''),
      lang: lang === 'es' ? 'es' : 'en',
      color,
      position: d.position === 'left' ? 'left' : 'right',
      greeting: d.greeting || '',
      title: d.title || '',
      open: d.open === 'true',
    };
  }

  function start() {
    document.body.append(host);
    renderSaved();
    if (saved.open || cfg.open) open(false);
    /* keep a live conversation in step, and deliver what waits to be sent */
    else if (saved.conversation || saved.pending.length) connect();
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
