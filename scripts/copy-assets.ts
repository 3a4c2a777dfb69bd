// Second half of `npm run build`: puts what tsc does not emit where Node-RED looks for it.
//  - nodes/**/*.html and nodes/**/locales/** beside the built .js in dist/nodes/
//  - runtime-plugins/**/*.html beside the built plugin .js
//  - flows/**/*.json into examples/ (Node-RED's Import › Examples menu reads only that folder)
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

function walk(dir: string, visit: (file: string) => void): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, visit);
    else visit(full);
  }
}

function copyInto(srcDir: string, destDir: string, wanted: (rel: string) => boolean): number {
  let n = 0;
  walk(join(root, srcDir), (file) => {
    const rel = relative(join(root, srcDir), file);
    if (!wanted(rel)) return;
    const dest = join(root, destDir, rel);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(file, dest);
    n += 1;
  });
  return n;
}

const editorAssets = (rel: string) => rel.endsWith('.html') || rel.split(/[\\/]/).includes('locales');
const copied =
  copyInto('nodes', 'dist/nodes', editorAssets) +
  copyInto('runtime-plugins', 'dist/runtime-plugins', editorAssets);

rmSync(join(root, 'examples'), { recursive: true, force: true });
const examples = copyInto('flows', 'examples', (rel) => rel.endsWith('.json'));
console.log(`copy-assets: ${copied} editor files, ${examples} example flows`);
