// Measures what a first visit downloads: the JS that index.html loads up front (the entry chunk and
// its modulepreloads), gzipped, and each lazily loaded chunk. Run after `npm run build`:
//   node scripts/bundle-size.mjs [--budget-kb 200]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const budgetFlag = process.argv.indexOf("--budget-kb");
const budgetKb = budgetFlag > 0 ? Number(process.argv[budgetFlag + 1]) : 200;

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

console.log("Lazy chunks:");
const lazy = readdirSync(join(dist, "assets"))
  .filter((name) => name.endsWith(".js") && !initial.includes(`assets/${name}`))
  .map((name) => ({ name, size: gz(`assets/${name}`) }))
  .sort((a, b) => b.size - a.size);
for (const { name, size } of lazy) {
  console.log(`  ${kb(size)} KB gz  assets/${name}`);
}
if (initialTotal > budgetKb * 1024) {
  console.error(`Initial JS is over budget: ${(initialTotal / 1024).toFixed(1)} KB > ${budgetKb} KB`);
  process.exit(1);
}
