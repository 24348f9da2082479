// nlu_cli.test.mjs: 'tandem nlu train|eval|predict' as a user runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = process.env.TANDEM_BIN;
const src = process.env.TANDEM_SOURCE_DIR;
const toy = path.join(src, 'tests/data/nlu/toy.jsonl');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-nlu-'));
const model = path.join(dir, 'toy.model');

const run = (args, input) => spawnSync(bin, ['nlu', ...args], { input, encoding: 'utf8', timeout: 60000 });

test('bad usage: one line on stderr, exit 2', () => {
  for (const args of [[], ['bogus'], ['train'], ['train', '--data', toy], ['eval'],
    ['eval', '--data'], ['predict', '--tz', 'Nowhere/Zone', 'hi'], ['predict', '--now', 'yesterday', 'hi'],
    ['train', '--data', toy, '--out', model, '--epochs', '0'], ['predict', '--frobnicate']]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  }
});

test('--help on each command', () => {
  for (const cmd of ['train', 'eval', 'predict']) {
    const r = run([cmd, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`^usage: tandem nlu ${cmd}`));
  }
  assert.match(run(['--help']).stdout, /train.*\n.*eval.*\n.*predict/);
});

test('train, eval and predict on any label set', () => {
  const t = run(['train', '--data', toy, '--out', model, '--seed', '3']);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /60 examples, 4 labels/);
  const e = run(['eval', '--model', model, '--data', toy, '--json']);
  assert.equal(e.status, 0, e.stderr);
  const m = JSON.parse(e.stdout);
  for (const k of ['accuracy', 'macro_f1', 'oos_recall', 'oos_precision', 'per_intent', 'examples_per_sec'])
    assert.ok(k in m, k);
  assert.ok(m.accuracy > 0.9);
  assert.ok(m.per_intent.weather.recall > 0.9);
  const text = run(['eval', '--model', model, '--data', toy]);
  assert.match(text.stdout, /accuracy [01]\.\d{4}\n/);
  assert.match(text.stdout, /most confused/);
  const p = run(['predict', '--model', model, 'is it going to snow on saturday']);
  assert.equal(p.status, 0, p.stderr);
  const o = JSON.parse(p.stdout);
  assert.equal(o.intent, 'weather');
  assert.equal(o.ranking.length, 4);
  assert.equal(o.ranking[0].intent, 'weather');
  assert.ok(o.confidence > 0 && o.confidence <= 1);
  assert.ok(Array.isArray(o.entities));
  for (const k of ['sentiment', 'frustration', 'urgency', 'human_request', 'evidence']) assert.ok(k in o, k);
});

test('predict reads lines from stdin; a bad line is reported, the rest answered', () => {
  const r = spawnSync(bin, ['nlu', 'predict', '--model', model, '-'],
    { input: Buffer.concat([Buffer.from('play some jazz\n'), Buffer.from([0x66, 0xff, 0x0a]), Buffer.from('set a timer\n')]), timeout: 60000 });
  assert.equal(r.status, 1);
  const lines = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.intent), ['play_music', 'set_timer']);
  assert.match(r.stderr.toString(), /not valid UTF-8/);
});

test('a foreign or corrupt model file is refused', () => {
  let r = run(['predict', '--model', toy, 'hi']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a tandem NLU model/);
  const bytes = fs.readFileSync(model);
  bytes[bytes.length - 10] ^= 0xff;
  const bad = path.join(dir, 'bad.model');
  fs.writeFileSync(bad, bytes);
  r = run(['eval', '--model', bad, '--data', toy]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /corrupt/);
  fs.writeFileSync(bad, bytes.subarray(0, 100));
  r = run(['predict', '--model', bad, 'hi']);
  assert.match(r.stderr, /truncated/);
});

test('the built-in model with dates in the tenant zone', () => {
  const r = run(['predict', '--now', '2026-07-14T09:30:00-04:00', '--tz', 'America/New_York',
    'water is pouring through my ceiling, can someone come tomorrow?']);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  assert.equal(o.intent, 'emergency');
  const dt = o.entities.find((e) => e.type === 'datetime');
  assert.ok(dt, r.stdout);
  assert.equal(dt.start, '2026-07-15T00:00:00-04:00');
  fs.rmSync(dir, { recursive: true, force: true });
});
