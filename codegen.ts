import type { CodegenConfig } from '@graphql-codegen/cli';

// npm run codegen: typed documents for the end-to-end tests (and any client)
// from the committed schema and test/operations.
const config: CodegenConfig = {
  overwrite: true,
  schema: 'schema/schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    'test/__generated__/typed-documents.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: { scalars: { DateTimeISO: 'string', DateTime: 'string' }, useTypeImports: true },
    },
  },
};

export default config;
