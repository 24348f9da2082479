// nlpjs.mjs: nlp.js (@nlpjs/basic, default pipeline) on the same train and held-out
// files. Out-of-scope examples train its "None" intent, and "None" answers count as
// out_of_scope. English and Spanish documents, the language guessed by nlp.js itself.
// Usage: node nlpjs.mjs train.jsonl heldout.jsonl speed-lines
// Prints one JSON object: scores, examples_per_sec, rss_mb (model loaded).
import fs from 'node:fs';
import { dockStart } from '@nlpjs/basic';
import { Language } from '@nlpjs/language-min';
import { score } from './tools.mjs';

const readJsonl = (f) => fs.readFileSync(f, 'utf8').split('\n')
  .filter((l) => l.trim() && !l.trimStart().startsWith('#')).map((l) => JSON.parse(l));
const [trainFile, testFile, speedLines] = process.argv.slice(2);
const guesser = new Language();
const lang = (t) => {
  const g = guesser.guess(t, ['en', 'es'], 1);
  return g && g.length ? g[0].alpha2 : 'en';
};

const dock = await dockStart({ use: ['Basic', 'LangEs'], settings: { nlp: { languages: ['en', 'es'], log: false, nlu: { log: false } } } });
const nlp = dock.get('nlp');
nlp.settings.log = false;
for (const r of readJsonl(trainFile))
  nlp.addDocument(lang(r.text), r.text, r.intent === 'out_of_scope' ? 'None' : r.intent);
const t0 = process.hrtime.bigint();
await nlp.train();
const trainMs = Number(process.hrtime.bigint() - t0) / 1e6;

const test = readJsonl(testFile);
const pred = [];
for (const r of test) {
  const out = await nlp.process(lang(r.text), r.text);
  pred.push(!out.intent || out.intent === 'None' ? 'out_of_scope' : out.intent);
}
const s = score(test.map((r) => r.intent), pred);

const n = Number(speedLines || 5000);
const langs = test.map((r) => lang(r.text));
const t1 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await nlp.process(langs[i % test.length], test[i % test.length].text);
const secs = Number(process.hrtime.bigint() - t1) / 1e9;
console.log(JSON.stringify({ ...s, train_ms: trainMs, examples_per_sec: n / secs,
  rss_mb: process.memoryUsage().rss / 1048576 }));
