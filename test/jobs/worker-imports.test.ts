import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('jobs are jobs', () => {
  it('given the worker loaded in a fresh process, then neither the HTTP app, the server, the GraphQL schema, fastify nor Apollo is loaded', () => {
    const loaded = JSON.parse(execFileSync(process.execPath, ['-r', '@swc-node/register', '-e',
      "require('./jobs/worker.ts'); console.log(JSON.stringify(Object.keys(require.cache)))"], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' } }).toString()) as string[];
    const relative = loaded.map((file) => file.replace(`${root}/`, ''));
    expect(relative).toContain('jobs/dataset-validation.job.ts');
    expect(relative.filter((f) => /^src\/(app|schema)\.ts$|^src\/http\/server\.ts$|node_modules\/(fastify|@apollo\/server)\//.test(f))).toEqual([]);
  });

  it('given the modules, then none imports jobs/ (the outbox is src/db/outbox.ts)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts') && /from '(\.\.\/)+jobs\//.test(readFileSync(path, 'utf8'))) offenders.push(path.replace(`${root}/`, ''));
      }
    };
    walk(join(root, 'src', 'modules'));
    walk(join(root, 'src', 'db'));
    expect(offenders).toEqual([]);
  });
});
