// Measures what a first visit downloads: the JS that index.html loads up front (the entry chunk and
// its modulepreloads), the same plus each page's own chunks (a first visit straight to that page),
// all gzipped, and each lazily loaded chunk. A page also counts the service descriptors that the
// API client loads on first call (HelpdeskClient's lazy members, e.g. `client.users`) when the
// page's code calls that member. Fails when the entry (what every first visit loads
// before any page code: the first route's budget) is over --budget-kb, or when a first visit
// straight to one page is over --page-budget-kb.
// Run after `npm run build`:
//   node scripts/bundle-size.mjs [--budget-kb 182] [--page-budget-kb 203]
// The budgets sit a little above what the app measures (entry 177.9 KB, heaviest page 200.7 KB once
// the staff services' descriptors left the entry), so that a regression fails here instead of
// quietly using up the headroom; the project-wide ceilings are 200 KB and 205 KB.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const budgetFlag = process.argv.indexOf("--budget-kb");
const budgetKb = budgetFlag > 0 ? Number(process.argv[budgetFlag + 1]) : 182;
const pageBudgetFlag = process.argv.indexOf("--page-budget-kb");
const pageBudgetKb = pageBudgetFlag > 0 ? Number(process.argv[pageBudgetFlag + 1]) : 203;

const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1]);
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(7);

let initialTotal = 0;
console.log("Initial JS (loaded by index.html):");
for (const file of initial) {
  const size = gz(file);
  initialTotal += size;
  console.log(`  ${kb(size)} KB gz  ${file}`);
}
console.log(`  ${kb(initialTotal)} KB gz  total (budget ${budgetKb} KB)`);

// What a first visit to each page loads: the entry, plus that page's chunk and the chunks it imports.
const importsOf = (file, seen = new Set()) => {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(join(dist, file), "utf8");
  for (const match of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) importsOf(`assets/${match[1]}`, seen);
  return seen;
};
const entryClosure = new Set(initial.flatMap((file) => [...importsOf(file)]));

// The client's lazy members and the chunk each one imports on its first call, read from the entry:
// `this.users=f(this.transport,()=>preload(()=>import("./user_service_pb-….js")…`.
const lazyServices = new Map();
for (const file of entryClosure) {
  const code = readFileSync(join(dist, file), "utf8");
  for (const match of code.matchAll(/this\.(\w+)=[\w$]+\(this\.transport,\(\)=>[\w$]+\(\(\)=>import\([`"]\.\/([^`"]+\.js)[`"]\)/g)) {
    lazyServices.set(match[1], `assets/${match[2]}`);
  }
  for (const match of code.matchAll(/import\([`"]\.\/(\w+_service_pb-[^`"]+\.js)[`"]\)/g)) {
    if (![...lazyServices.values()].includes(`assets/${match[1]}`)) {
      console.error(`Cannot tell which pages load assets/${match[1]} (the lazy client's shape changed?)`);
      process.exit(1);
    }
  }
}
/** The lazy service chunks a page's code calls (minified code keeps property names: `.users.listUsers(`). */
const lazyUsedBy = (files) => {
  const code = [...files].map((file) => readFileSync(join(dist, file), "utf8")).join("\n");
  return [...lazyServices].filter(([member]) => new RegExp(`\\.${member}\\.\\w+\\(`).test(code)).map(([, file]) => file);
};
const overBudget = [];
console.log(`First visit to each page (entry + the page's own chunks; budget ${pageBudgetKb} KB):`);
for (const name of readdirSync(join(dist, "assets")).filter((file) => /^[A-Z]\w*Page-.*\.js$/.test(file)).sort()) {
  const own = importsOf(`assets/${name}`);
  for (const file of lazyUsedBy(own)) importsOf(file, own);
  let extra = 0;
  for (const file of own) if (!entryClosure.has(file)) extra += gz(file);
  console.log(`  ${kb(initialTotal + extra)} KB gz  ${name.replace(/-.*/, "")} (+${(extra / 1024).toFixed(1)} KB)`);
  if (initialTotal + extra > pageBudgetKb * 1024) overBudget.push(name.replace(/-.*/, ""));
}

console.log("Lazy chunks:");
const lazy = readdirSync(join(dist, "assets"))
  .filter((name) => name.endsWith(".js") && !initial.includes(`assets/${name}`))
  .map((name) => ({ name, size: gz(`assets/${name}`) }))
  .sort((a, b) => b.size - a.size);
for (const { name, size } of lazy) {
  console.log(`  ${kb(size)} KB gz  assets/${name}`);
}
if (initialTotal > budgetKb * 1024 || overBudget.length > 0) {
  const what = overBudget.length ? `${overBudget.join(", ")} (page budget ${pageBudgetKb} KB)` : "the entry chunk";
  console.error(`Over budget (entry ${budgetKb} KB): ${what}`);
  process.exit(1);
}
