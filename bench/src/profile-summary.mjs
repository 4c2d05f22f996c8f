// Summarizes a .cpuprofile (from `npm run bench -- --profile <dir>`): where the samples of the
// busiest span went, by function (self time) and for a few frames of the request path
// (inclusive time). Usage:
//   node bench/src/profile-summary.mjs <file.cpuprofile> [--last <seconds>] [frame ...]
// --last keeps only the samples of the profile's last seconds (the load, not the start-up).
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const lastAt = argv.indexOf('--last');
const last = lastAt === -1 ? Infinity : Number(argv.splice(lastAt, 2)[1]);
const [file, ...frames] = argv;
if (!file) {
  console.error('usage: node bench/src/profile-summary.mjs <file.cpuprofile> [function name ...]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '')
    .replace(/.*\/work\/main\//, '');
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url ? `${short(url)}:${lineNumber + 1}` : ''}`.trim();
};

const self = new Map();
const inclusive = new Map();
let total = 0;
let idle = 0;
let at = profile.startTime;
const from = profile.endTime - last * 1e6;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (at < from) continue;
  const node = nodes.get(profile.samples[i]);
  const name = label(node);
  if (node.callFrame.functionName === '(idle)') {
    idle += delta;
    continue;
  }
  total += delta;
  self.set(name, (self.get(name) ?? 0) + delta);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const fn = nodes.get(id).callFrame.functionName;
    if (frames.includes(fn) && !seen.has(fn)) {
      seen.add(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + delta);
    }
  }
}
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${ms(total)} ms busy, ${ms(idle)} ms idle`);
console.log('\nself time, top 30:');
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${ms(us)} ms ${pct(us)}  ${name}`);
}
if (frames.length) {
  console.log('\ninclusive time:');
  for (const fn of frames)
    console.log(`${ms(inclusive.get(fn) ?? 0)} ms ${pct(inclusive.get(fn) ?? 0)}  ${fn}`);
}
