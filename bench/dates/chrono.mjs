// chrono.mjs: resolves every expression of data/dates/dates.jsonl with chrono-node, at
// the same reference instant and in the same zone as tandem, and prints exact-match
// accuracy (start and end both within 60 s). Each zone runs in its own child process
// with TZ set to it, and chrono is given the zone through its documented reference
// option (its DST-aware abbreviations ET/CT/PT) with forwardDate, since customers speak
// of the future. Texts that the English parser leaves empty go to chrono's Spanish one.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as chrono from "chrono-node";

const here = path.dirname(fileURLToPath(import.meta.url));
const dataFile = process.env.DATES_FILE || path.join(here, "../../data/dates/dates.jsonl");
const cases = readFileSync(dataFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

// chrono names zones by abbreviation; these three are DST-aware in chrono.
const chronoZone = {
  "America/New_York": "ET",
  "America/Chicago": "CT",
  "America/Los_Angeles": "PT",
  UTC: 0,
};

function resolve(c) {
  const ref = { instant: new Date(c.now), timezone: chronoZone[c.tz] };
  // English first, then chrono's Spanish parser, as a bilingual business would run it
  let results = chrono.parse(c.text, ref, { forwardDate: true });
  if (!results.length) results = chrono.es.parse(c.text, ref, { forwardDate: true });
  if (!results.length) return null;
  const r = results[0];
  const start = r.start.date();
  const end = r.end ? r.end.date() : start;
  return { start: start.getTime(), end: end.getTime() };
}

const zoneArg = process.argv.indexOf("--zone");
if (zoneArg > 0) {
  // child: one zone, one JSON line per case
  const zone = process.argv[zoneArg + 1];
  cases.forEach((c, i) => {
    if (c.tz !== zone) return;
    const got = resolve(c);
    const want = { start: Date.parse(c.start), end: Date.parse(c.end) };
    const ok = got !== null && Math.abs(got.start - want.start) <= 60000 &&
      Math.abs(got.end - want.end) <= 60000;
    process.stdout.write(JSON.stringify({ i, ok, got: got && {
      start: new Date(got.start).toISOString(), end: new Date(got.end).toISOString() } }) + "\n");
  });
  process.exit(0);
}

const verbose = process.argv.includes("-v");
const rows = [];
for (const zone of [...new Set(cases.map((c) => c.tz))]) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--zone", zone],
    { env: { ...process.env, TZ: zone }, encoding: "utf8" });
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    process.exit(1);
  }
  for (const line of child.stdout.split("\n").filter(Boolean)) rows.push(JSON.parse(line));
}
let ok = 0, agree = 0, agreeOk = 0;
for (const r of rows) {
  const c = cases[r.i];
  if (r.ok) ok++;
  if (c.agree) {
    agree++;
    if (r.ok) agreeOk++;
  }
  if (verbose && !r.ok)
    console.log(`MISS ${JSON.stringify(c.text)} now ${c.now}: got ${r.got ? r.got.start + " .. " + r.got.end : "nothing"}, want ${c.start} .. ${c.end}`);
}
const pct = (a, b) => (b ? (100 * a / b).toFixed(1) : "0.0");
console.log(`chrono-node: all ${ok}/${rows.length} (${pct(ok, rows.length)}%)`);
console.log(`chrono-node: agreeing subset ${agreeOk}/${agree} (${pct(agreeOk, agree)}%)`);
