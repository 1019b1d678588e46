// npm run cli -- <command> [--flag value ...]
//   create-staff --email E --password P --name N --phone PH --role ADMIN|PRIVACY_OFFICER
//   rotate-master-key   (after setting MASTER_KEY/MASTER_KEY_VERSION and listing the old key in MASTER_KEYS_RETIRED)
//   rotate-blind-index  (after setting BLIND_INDEX_KEY to the new key and BLIND_INDEX_KEY_PREVIOUS to the old one)
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { prepareDatabase } from '../app';
import { createStaffAccount } from '../auth/staff';
import { Role } from '../auth/roles';
import { loadConfig } from '../config';
import { openOrm } from '../db/orm';
import { AppError } from '../errors';
import { AccessLogService } from '../privacy/access-log.service';
import { EmailIndex } from '../privacy/email-index';
import { MasterKeys } from '../privacy/key-ring';
import { rotateMasterKey } from '../privacy/key-rotation';

const USAGE = `usage:
  npm run cli -- create-staff --email E --password P --name N --phone PH --role ADMIN|PRIVACY_OFFICER
  npm run cli -- rotate-master-key
  npm run cli -- rotate-blind-index`;

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const [command, ...rest] = argv;
  const config = loadConfig(env);
  await prepareDatabase(config);
  const orm = await openOrm(config);
  const master = new MasterKeys(config);
  try {
    if (command === 'create-staff') {
      const { values } = parseArgs({
        args: rest,
        options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' }, phone: { type: 'string' }, role: { type: 'string' } },
      });
      for (const flag of ['email', 'password', 'name', 'phone', 'role'] as const) {
        if (!values[flag]) throw new AppError('BAD_USER_INPUT', `--${flag} is required\n${USAGE}`);
      }
      const user = await createStaffAccount({ emailIndex: new EmailIndex(config), master, accessLog: new AccessLogService() }, orm.em.fork(), {
        email: values.email!, password: values.password!, name: values.name!, phone: values.phone!, role: values.role as Role,
      });
      return `created ${user.role} ${user.id}`;
    }
    if (command === 'rotate-blind-index') {
      const { changed, unreadable } = await new EmailIndex(config).rotate(orm.em.fork(), master);
      const done = `re-indexed ${changed} emails under the current BLIND_INDEX_KEY`;
      if (unreadable.length > 0) {
        throw new AppError('INTERNAL_SERVER_ERROR', `${done}; ${unreadable.length} accounts kept their old index because their data key or email cannot be opened: ${unreadable.join(', ')}`);
      }
      return done;
    }
    if (command === 'rotate-master-key') {
      const count = await rotateMasterKey(orm.em.fork(), master);
      return `re-wrapped ${count} data keys under master key version ${master.currentVersion}`;
    }
    throw new AppError('BAD_USER_INPUT', USAGE);
  } finally {
    await orm.close(true);
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((message) => {
    console.log(message);
  }).catch((error) => {
    console.error(error instanceof AppError ? `error: ${error.message}` : error);
    process.exit(1);
  });
}
