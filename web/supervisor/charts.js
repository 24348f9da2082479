// charts.js: small SVG charts for the supervisor view (stacked area over time, horizontal
// bars, donut). Every chart is redrawn from data; labels are set with textContent.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

/** The chart's drawing width: the host's width in CSS pixels, so text keeps its size. */
function widthOf(host, fallback) {
  return Math.max(280, Math.round(host.clientWidth || fallback));
}

function frame(host, w, h, label) {
  const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' });
  root.append(svg('title', {}, label));
  host.replaceChildren(root);
  return root;
}

function niceMax(v) {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/** Stacked areas over time. points: [{t: ms, values: [n...]}], series: [{name, color}].
 * label: the accessible description; format(v) formats axis values. */
export function areaChart(host, points, series, { label, format = String, span = 300000 } = {}) {
  const W = widthOf(host, 560), H = 190, L = 44, R = 8, T = 10, B = 22;
  const root = frame(host, W, H, label);
  const now = points.length ? points[points.length - 1].t : Date.now();
  const t0 = now - span;
  const pts = points.filter((p) => p.t >= t0);
  const totals = pts.map((p) => p.values.reduce((a, b) => a + b, 0));
  const max = niceMax(Math.max(1, ...totals));
  const x = (t) => L + ((t - t0) / span) * (W - L - R);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }),
      svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, format(v)));
  }
  for (let m = 0; m <= span / 60000; m++) {
    const t = now - m * 60000;
    root.append(svg('text', { x: x(t), y: H - 6, 'text-anchor': m === 0 ? 'end' : 'middle', class: 'axis' }, m === 0 ? 'now' : `-${m}m`));
  }
  if (pts.length < 2) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis' }, 'collecting...'));
    return;
  }
  const base = pts.map(() => 0);
  series.forEach((s, k) => {
    const top = pts.map((p, i) => base[i] + (p.values[k] ?? 0));
    const up = pts.map((p, i) => `${x(p.t).toFixed(1)},${y(top[i]).toFixed(1)}`);
    const down = pts.map((p, i) => `${x(p.t).toFixed(1)},${y(base[i]).toFixed(1)}`).reverse();
    root.append(svg('polygon', { points: up.concat(down).join(' '), fill: s.color, 'fill-opacity': 0.35, stroke: 'none' }),
      svg('polyline', { points: up.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 1.6 }));
    top.forEach((v, i) => { base[i] = v; });
  });
}

/** Horizontal bars. items: [{name, value, color?}]; empty shows `empty`. */
export function barChart(host, items, { label, empty = 'none', format = String } = {}) {
  const rowH = 26, W = widthOf(host, 560), L = Math.min(170, W * 0.38), R = 44;
  const H = Math.max(1, items.length) * rowH + 6;
  const root = frame(host, W, H, label);
  if (!items.length) {
    root.setAttribute('viewBox', `0 0 ${W} ${rowH + 6}`);
    root.append(svg('text', { x: 4, y: 18, class: 'axis' }, empty));
    return;
  }
  const max = Math.max(1, ...items.map((i) => i.value));
  items.forEach((it, i) => {
    const yy = 3 + i * rowH;
    const w = ((W - L - R) * it.value) / max;
    root.append(svg('text', { x: L - 8, y: yy + 17, 'text-anchor': 'end', class: 'label' }, it.name),
      svg('rect', { x: L, y: yy + 4, width: Math.max(it.value ? 2 : 0, w), height: rowH - 9, rx: 3, fill: it.color ?? '#0b6bcb' }),
      svg('text', { x: L + w + 6, y: yy + 17, class: 'value' }, format(it.value)));
  });
}

/** A donut of parts [{name, value, color}] with `center` text in the middle. */
export function donut(host, parts, { label, center = '', sub = '' } = {}) {
  const S = 180, r = 70, c = S / 2, sw = 22;
  const root = frame(host, S, S, label);
  const total = parts.reduce((a, p) => a + p.value, 0);
  root.append(svg('circle', { cx: c, cy: c, r, fill: 'none', stroke: '#e7ecf1', 'stroke-width': sw }));
  let at = 0;
  const len = 2 * Math.PI * r;
  for (const p of parts) {
    if (!total || !p.value) continue;
    const frac = p.value / total;
    root.append(svg('circle', { cx: c, cy: c, r, fill: 'none', stroke: p.color, 'stroke-width': sw,
      'stroke-dasharray': `${(frac * len).toFixed(2)} ${len.toFixed(2)}`, 'stroke-dashoffset': (-at * len).toFixed(2),
      transform: `rotate(-90 ${c} ${c})` }));
    at += frac;
  }
  root.append(svg('text', { x: c, y: c + 6, 'text-anchor': 'middle', class: 'big' }, center),
    svg('text', { x: c, y: c + 26, 'text-anchor': 'middle', class: 'axis' }, sub));
}
