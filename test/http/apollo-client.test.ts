import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { signUp } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

// A real client as a web or mobile developer would use it: Apollo Client 4 with the
// automatic-persisted-queries link, over fetch, against the running server.

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

interface Sent { method: string; hasQuery: boolean; hasHash: boolean }

function client(options: { token?: string; useGET?: boolean } = {}) {
  const sent: Sent[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = init?.body ? JSON.parse(String(init.body)) : null;
    const query = body ? body.query : url.searchParams.get('query');
    const extensions = body ? body.extensions : JSON.parse(url.searchParams.get('extensions') ?? 'null');
    sent.push({ method: init?.method ?? 'GET', hasQuery: Boolean(query), hasHash: Boolean(extensions?.persistedQuery?.sha256Hash) });
    return fetch(input, init);
  };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const link = ApolloLink.from([
    createPersistedQueryLink({ sha256, useGETForHashedQueries: options.useGET ?? false }),
    new HttpLink({
      uri: `${server.url}/graphql`,
      fetch: recordingFetch,
      // The CSRF rule for GET: a header no browser sends on a simple request.
      headers: { 'apollo-require-preflight': 'true', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    }),
  ]);
  return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

type Processors = { processors: { name: string; task: string }[] };
const PROCESSORS = gql`query ApqProcessors { processors { name task } }`;

describe('Apollo Client with the persisted-queries link', () => {
  it('given an unknown hash, then PERSISTED_QUERY_NOT_FOUND makes the link send the query once; afterwards the hash alone is enough', async () => {
    const first = client();
    const result = await first.apollo.query<Processors>({ query: PROCESSORS, fetchPolicy: 'network-only' });
    expect(result.data?.processors.map((p) => p.name)).toContain('RunPod');
    expect(first.sent).toEqual([
      { method: 'POST', hasQuery: false, hasHash: true },
      { method: 'POST', hasQuery: true, hasHash: true },
    ]);

    const second = client({ useGET: true });
    const again = await second.apollo.query<Processors>({ query: PROCESSORS, fetchPolicy: 'network-only' });
    expect(again.data?.processors).toEqual(result.data?.processors);
    expect(second.sent).toEqual([{ method: 'GET', hasQuery: false, hasHash: true }]);
  });

  it('given a signed-in member, then me is read with the bearer token through the same link', async () => {
    const member = await signUp(server);
    const { apollo } = client({ token: member.token });
    const result = await apollo.query<{ me: { id: string; role: string } }>({ query: gql`query ApqMe { me { id role } }`, fetchPolicy: 'network-only' });
    expect(result.data?.me).toEqual({ __typename: 'User', id: member.userId, role: 'MEMBER' });
  });

  it('given errors, then the client sees the codes it knows: GRAPHQL_VALIDATION_FAILED, UNAUTHENTICATED', async () => {
    const { apollo } = client();
    const invalid = await apollo.query({ query: gql`query ApqInvalid { processors { noSuchField } }`, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect(CombinedGraphQLErrors.is(invalid.error)).toBe(true);
    expect((invalid.error as CombinedGraphQLErrors).errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const anonymous = await apollo.query({ query: gql`query ApqAnonymousMe { me { id } }`, fetchPolicy: 'network-only', errorPolicy: 'all' });
    expect((anonymous.error as CombinedGraphQLErrors).errors[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
