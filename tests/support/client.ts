/** A small GraphQL-over-HTTP client for tests, typed by the generated documents. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GqlError {
  readonly message: string;
  readonly extensions?: { code?: string; field?: string };
  readonly path?: ReadonlyArray<string | number>;
}

export interface GqlResponse<T> {
  readonly status: number;
  readonly data?: T | null;
  readonly errors?: GqlError[];
}

export class GqlClient {
  constructor(readonly endpoint: string, readonly token?: string) {}

  withToken(token: string | undefined): GqlClient {
    return new GqlClient(this.endpoint, token);
  }

  async request<T, V>(doc: TypedDocumentNode<T, V> | string, variables?: V, headers: Record<string, string> = {}): Promise<GqlResponse<T>> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: JSON.stringify({ query: typeof doc === 'string' ? doc : print(doc), variables }),
    });
    const body = (await res.json()) as { data?: T | null; errors?: GqlError[] };
    return { status: res.status, ...body };
  }

  /** The data of a successful operation; throws with the errors otherwise. */
  async ok<T, V>(doc: TypedDocumentNode<T, V> | string, variables?: V): Promise<T> {
    const res = await this.request(doc, variables);
    if (res.errors?.length || !res.data) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors)}`);
    return res.data;
  }

  /** The first error of an operation that must fail; throws if it succeeded. */
  async error<T, V>(doc: TypedDocumentNode<T, V> | string, variables?: V): Promise<GqlError> {
    const res = await this.request(doc, variables);
    if (!res.errors?.length) throw new Error(`expected an error, got ${JSON.stringify(res.data)}`);
    return res.errors[0];
  }
}
