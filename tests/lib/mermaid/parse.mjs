// Parse Mermaid charts with the real parser (mermaid.parse), offline under node with jsdom standing in for a
// browser. Input: a JSON list of chart texts on stdin. Output: one JSON line, [{ok, type} | {ok: false, error}].
// Argument: the node_modules directory holding mermaid and jsdom (tests/lib/mermaid/package.json pins them).
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const modules = process.argv[2];
const load = async (name) => {
  const manifest = JSON.parse(fs.readFileSync(path.join(modules, name, 'package.json'), 'utf8'));
  const exported = manifest.exports && manifest.exports['.'];
  const entry = (exported && (exported.import?.default || exported.import || exported.default)) || manifest.module || manifest.main;
  return import(pathToFileURL(path.join(modules, name, typeof entry === 'string' ? entry : 'index.js')).href);
};
const { JSDOM } = await load('jsdom');
const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await load('mermaid')).default;
mermaid.initialize({ startOnLoad: false });
const charts = JSON.parse(fs.readFileSync(0, 'utf8'));
const results = [];
for (const chart of charts) {
  try {
    const parsed = await mermaid.parse(chart);
    results.push({ ok: true, type: parsed.diagramType });
  } catch (error) {
    results.push({ ok: false, error: String(error.message || error).slice(0, 500) });
  }
}
console.log(JSON.stringify(results));
