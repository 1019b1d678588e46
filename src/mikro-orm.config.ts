// For the MikroORM CLI (npm run migration:create).
import 'reflect-metadata';
import { loadConfig } from './config';
import { ormOptions } from './db/orm';

export default ormOptions(loadConfig());
