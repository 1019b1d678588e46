// npm run schema:emit: writes schema/schema.graphql (a test fails when it drifts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printEmittedSchema } from '../schema';

const path = join(__dirname, '..', '..', 'schema', 'schema.graphql');
writeFileSync(path, printEmittedSchema());
console.log(`wrote ${path}`);
