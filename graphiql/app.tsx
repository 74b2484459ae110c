/**
 * The GraphiQL page of the segments service, bundled offline by scripts/build-graphiql.mjs.
 *
 * Everything it loads comes from the service itself: the page reads its GraphQL path and its
 * assets folder from data attributes that the server writes into index.html, starts Monaco's
 * three workers from that folder, and talks to the same origin only (HTTP and graphql-ws on
 * the GraphQL path). A token field above GraphiQL, kept in localStorage, becomes
 * `Authorization: Bearer <token>` on HTTP requests (unless the headers editor sets its own
 * Authorization) and `connectionParams: { Authorization: 'Bearer <token>' }` on graphql-ws.
 */
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient, type Client } from 'graphql-ws';
import type { Environment as MonacoEnvironment } from 'monaco-editor';
import { StrictMode, useEffect, useMemo, useState, type ReactElement } from 'react';
import { createRoot } from 'react-dom/client';
import { EXAMPLE_TABS } from './examples';

const TOKEN_KEY = 'segments-graphiql:token';
/** GraphiQL's own localStorage keys that hold the tabs (see @graphiql/react STORAGE_KEY). */
const GRAPHIQL_TAB_KEYS = ['graphiql:tabState', 'graphiql:query', 'graphiql:variables', 'graphiql:headers'];
/** How long the token field must be still before the schema is fetched again with it. */
const TOKEN_SETTLE_MS = 400;

const mount = document.getElementById('graphiql-root');
if (!mount) throw new Error('graphiql: #graphiql-root is missing from the page');
const graphqlPath = mount.dataset.graphqlPath || '/graphql';
const assetsPath = mount.dataset.assetsPath || '/graphiql/assets';

// Monaco's hook for starting its workers.
const monacoEnvironment: MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    switch (label) {
      case 'json':
        return new Worker(`${assetsPath}/json.worker.js`, { name: 'json' });
      case 'graphql':
        return new Worker(`${assetsPath}/graphql.worker.js`, { name: 'graphql' });
      default:
        return new Worker(`${assetsPath}/editor.worker.js`, { name: label || 'editor' });
    }
  },
};
// monaco-editor's types declare the global with `let`, which TypeScript keeps off globalThis.
(globalThis as typeof globalThis & { MonacoEnvironment?: MonacoEnvironment }).MonacoEnvironment = monacoEnvironment;

const httpUrl = new URL(graphqlPath, location.href).toString();
const wsUrl = httpUrl.replace(/^http/, 'ws');

function readStoredToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function storeToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled (private mode, policy): the token lives for this page only.
  }
}

const bearer = (token: string): string => `Bearer ${token}`;

/**
 * The token as of now: HTTP requests and new graphql-ws connections read it when they start,
 * so a query run right after typing the token already carries it.
 */
const currentToken = { value: readStoredToken() };

/**
 * One graphql-ws client for the page. It connects lazily, with the token of that moment, and
 * closes once its last subscription ends; a socket opened with an earlier token keeps serving
 * the subscriptions it carries, and the next connection uses the new one.
 */
const wsClient: Client = createClient({
  url: wsUrl,
  lazy: true,
  connectionParams: () => (currentToken.value ? { Authorization: bearer(currentToken.value) } : {}),
});

/** HTTP with the token, unless the headers editor sets its own Authorization header. */
const fetchWithToken: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  if (currentToken.value && !headers.has('authorization')) headers.set('authorization', bearer(currentToken.value));
  return fetch(input, { ...init, headers, credentials: 'omit' });
};

const DEFAULT_TABS = EXAMPLE_TABS.map((tab) => ({ ...tab }));

/** A new fetcher per settled token: GraphiQL fetches the schema again when its fetcher changes. */
const createFetcher = (): Fetcher => createGraphiQLFetcher({ url: httpUrl, wsClient, fetch: fetchWithToken });

function TokenBar(props: { token: string; onToken(token: string): void }): ReactElement {
  const [visible, setVisible] = useState(false);
  const resetTabs = (): void => {
    if (!confirm('Replace the open tabs with the example operations?')) return;
    for (const key of GRAPHIQL_TAB_KEYS) localStorage.removeItem(key);
    location.reload();
  };
  return (
    <header className="segments-bar">
      <span className="segments-bar__title">Segments API</span>
      <label className="segments-bar__token">
        <span>Bearer token</span>
        <input
          id="graphiql-token"
          name="token"
          type={visible ? 'text' : 'password'}
          autoComplete="off"
          spellCheck={false}
          placeholder="paste an agent token"
          value={props.token}
          onChange={(event) => props.onToken(event.target.value.trim())}
        />
      </label>
      <button type="button" onClick={() => setVisible(!visible)}>
        {visible ? 'Hide' : 'Show'}
      </button>
      <span className="segments-bar__hint">
        Sent as <code>Authorization: Bearer …</code> over HTTP and graphql-ws to <code>{graphqlPath}</code>
      </span>
      <button type="button" className="segments-bar__reset" onClick={resetTabs}>
        Reset tabs to examples
      </button>
    </header>
  );
}

function App(): ReactElement {
  const [token, setToken] = useState(currentToken.value);
  const [settledToken, setSettledToken] = useState(token);
  const changeToken = (next: string): void => {
    currentToken.value = next;
    setToken(next);
  };

  useEffect(() => {
    storeToken(token);
    const timer = setTimeout(() => setSettledToken(token), TOKEN_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [token]);

  // settledToken is the dependency on purpose: it decides when the schema is fetched again.
  const fetcher = useMemo(createFetcher, [settledToken]);

  return (
    <div className="segments-page">
      <TokenBar token={token} onToken={changeToken} />
      <main className="segments-graphiql">
        <GraphiQL
          fetcher={fetcher}
          defaultTabs={DEFAULT_TABS}
          defaultEditorToolsVisibility="variables"
          shouldPersistHeaders={false}
        >
          <GraphiQL.Logo>Segments</GraphiQL.Logo>
        </GraphiQL>
      </main>
    </div>
  );
}

createRoot(mount).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
