import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';

const SRC = join(__dirname, '..');

/**
 * A worker thread's entry as plain JavaScript: the compiled build's file when there is one; otherwise
 * (@swc-node/register, jest) the thread's TypeScript files, `files` relative to src/ with the entry
 * first, transpiled once into a temporary directory of the same layout. The thread then needs no
 * TypeScript loader: it inherits none (execArgv is empty) and loads no compiler, which would cost it
 * some 100 MiB. Its files may import only each other, node built-ins and types.
 */
export function threadEntry(files: string[]): string {
  const compiled = join(SRC, files[0].replace(/\.ts$/, '.js'));
  if (existsSync(compiled)) return compiled;
  const sources = files.map((name) => ({ name, text: readFileSync(join(SRC, name), 'utf8') }));
  const digest = createHash('sha256').update(sources.map((s) => `${s.name}\u0000${s.text}`).join('\u0000')).digest('hex').slice(0, 16);
  const directory = join(os.tmpdir(), `aimex-thread-${digest}`);
  const entry = join(directory, files[0].replace(/\.ts$/, '.js'));
  if (existsSync(entry)) return entry;
  // A devDependency, present wherever the sources run uncompiled.
  const ts = require('typescript') as typeof import('typescript');
  const staging = `${directory}.${process.pid}.${Date.now()}`;
  for (const { name, text } of sources) {
    const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    const target = join(staging, name.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  try {
    renameSync(staging, directory);
  } catch {
    // Another process made it first: the same digest, the same files.
  }
  return entry;
}
