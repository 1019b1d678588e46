// Creates the database if missing, applies migrations and seeds reference data.
// npm start does this itself; tests run it once before the suite.
import 'reflect-metadata';
import { prepareDatabase } from '../app';
import { loadConfig } from '../config';

prepareDatabase(loadConfig()).then(() => {
  process.exit(0);
}).catch((error) => {
  console.error(error);
  process.exit(1);
});
