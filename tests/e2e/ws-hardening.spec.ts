/** graphql-ws hardening: init timeout, message size, and every listener cleaned up on disconnect. */
import WebSocket from 'ws';
import { openSubscriptions } from '../../src/live/subscribers';
import { startTestServer, TestServer } from '../support/server';
import { connected, subscribe, wsClient } from '../support/ws';

let server: TestServer;
beforeAll(async () => { server = await startTestServer(); });
afterAll(async () => { await server.close(); });

const closeOf = (socket: WebSocket) => new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));

test('a socket that never sends connection_init is closed with 4408', async () => {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  expect(await closeOf(socket)).toBe(4408);
}, 15_000);

test('a message over the size limit closes the socket (1009)', async () => {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  await new Promise((r) => socket.once('open', r));
  const closed = closeOf(socket);
  socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${server.token}`, pad: 'x'.repeat(2 * 1024 * 1024) } }));
  expect(await closed).toBe(1009);
});

test('subscriptions are cleaned up when the client disconnects', async () => {
  const before = openSubscriptions();
  const client = wsClient(server.wsUrl, server.token);
  const ready = connected(client);
  const subs = [
    subscribe(client, 'subscription { segmentCountChanged { segmentId } }'),
    subscribe(client, 'subscription { segmentCountChanged(objectType: USER) { segmentId } }'),
  ];
  await ready;
  const deadline = Date.now() + 5_000;
  while (openSubscriptions() < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(openSubscriptions()).toBe(before + 2);
  subs[0].close();
  while (openSubscriptions() > before + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(openSubscriptions()).toBe(before + 1);
  await client.dispose();
  while (openSubscriptions() > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(openSubscriptions()).toBe(before);
});
