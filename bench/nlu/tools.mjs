// tools.mjs: data conversion, splits, thresholds and scores for the NLU benchmark.
// Usage: node tools.mjs COMMAND ARGS (see the switch at the end).
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const readJsonl = (f) => fs.readFileSync(f, 'utf8').split('\n')
  .filter((l) => l.trim() && !l.trimStart().startsWith('#')).map((l) => JSON.parse(l));
const writeJsonl = (f, rows) => fs.writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

// fastText's tutorial preprocessing: lower case, punctuation split from words.
export const ftText = (s) => s.toLowerCase().replace(/([.!?,'"/()\[\]:;$#&*+=-])/g, ' $1 ')
  .replace(/\s+/g, ' ').trim();

// A seeded generator (mulberry32) so splits are reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Stratified split: share of each label goes to validation.
function split(rows, share, seed) {
  const r = rng(seed);
  const idx = rows.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const count = {}, taken = {};
  for (const x of rows) count[x.intent] = (count[x.intent] || 0) + 1;
  const train = [], val = [];
  for (const i of idx) {
    const y = rows[i].intent;
    if (count[y] >= 4 && (taken[y] || 0) < Math.floor(count[y] * share)) {
      taken[y] = (taken[y] || 0) + 1;
      val.push(rows[i]);
    } else train.push(rows[i]);
  }
  return { train, val };
}

// fastText predict-prob lines: "__label__x 0.93".
const readProbs = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [lab, p] = l.split(' ');
  return { label: lab.replace('__label__', ''), p: Number(p) };
});

const apply = (preds, thr, oos) => preds.map((x) => (x.p < thr ? oos : x.label));

// The same rule tandem uses: the middle of the first run of thresholds (0.00..0.95)
// with the best validation accuracy.
function chooseThreshold(gold, preds, oos) {
  const acc = [];
  for (let s = 0; s < 96; s++) {
    const out = apply(preds, s / 100, oos);
    acc.push(out.filter((y, i) => y === gold[i]).length);
  }
  const top = Math.max(...acc);
  const first = acc.indexOf(top);
  let last = first;
  while (last + 1 < acc.length && acc[last + 1] === top) last++;
  return (first + last) / 200;
}

export function score(gold, pred, oos = 'out_of_scope') {
  const labels = [...new Set([...gold, ...pred])];
  let correct = 0;
  const tp = {}, g = {}, p = {};
  gold.forEach((y, i) => {
    g[y] = (g[y] || 0) + 1;
    p[pred[i]] = (p[pred[i]] || 0) + 1;
    if (y === pred[i]) { correct++; tp[y] = (tp[y] || 0) + 1; }
  });
  const prec = (l) => (p[l] ? (tp[l] || 0) / p[l] : 0);
  const rec = (l) => (g[l] ? (tp[l] || 0) / g[l] : 0);
  const f1 = (l) => (prec(l) + rec(l) > 0 ? 2 * prec(l) * rec(l) / (prec(l) + rec(l)) : 0);
  const present = labels.filter((l) => g[l]);
  return {
    examples: gold.length,
    accuracy: correct / gold.length,
    macro_f1: present.reduce((a, l) => a + f1(l), 0) / present.length,
    oos_recall: rec(oos),
    oos_precision: prec(oos),
  };
}

const main = import.meta.url === pathToFileURL(process.argv[1]).href;
const [cmd, ...args] = main ? process.argv.slice(2) : [];
switch (cmd) {
  case 'fasttext-data': // in.jsonl out.txt
    fs.writeFileSync(args[1], readJsonl(args[0]).map((r) => `__label__${r.intent} ${ftText(r.text)}`).join('\n') + '\n');
    break;
  case 'fasttext-text': // in.jsonl out.txt
    fs.writeFileSync(args[1], readJsonl(args[0]).map((r) => ftText(r.text)).join('\n') + '\n');
    break;
  case 'split': // in.jsonl train.jsonl val.jsonl [share] [seed]
  {
    const { train, val } = split(readJsonl(args[0]), Number(args[3] || 0.15), Number(args[4] || 1));
    writeJsonl(args[1], train);
    writeJsonl(args[2], val);
    break;
  }
  case 'threshold': // val.jsonl probs.txt -> threshold
  {
    const gold = readJsonl(args[0]).map((r) => r.intent);
    console.log(chooseThreshold(gold, readProbs(args[1]), 'out_of_scope').toFixed(3));
    break;
  }
  case 'score-fasttext': // gold.jsonl probs.txt [threshold]
  {
    const gold = readJsonl(args[0]).map((r) => r.intent);
    console.log(JSON.stringify(score(gold, apply(readProbs(args[1]), Number(args[2] || 0), 'out_of_scope'))));
    break;
  }
  case 'repeat': // in.jsonl lines out.jsonl
  {
    const rows = readJsonl(args[0]);
    const n = Number(args[1]);
    const out = [];
    for (let i = 0; i < n; i++) out.push(rows[i % rows.length]);
    writeJsonl(args[2], out);
    break;
  }
  case 'median': // numbers...
  {
    const v = args.map(Number).sort((a, b) => a - b);
    console.log(v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    break;
  }
  default:
    if (cmd) { console.error(`tools.mjs: unknown command ${cmd}`); process.exit(2); }
}
