import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@serverless-data-sharing/local-cloud';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { missingOrderDetail, parseApiEndpoints, webSocketAnswers } from '../../../bench/readiness.ts';

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

describe('the outputs file', () => {
  it('gives the REST URL, its key and the WebSocket URL', () => {
    const outputs = {
      DataSharingStack: {
        ApiUrl: 'http://127.0.0.1:4010/a/prod/',
        ApiKey: 'k',
        WebSocketUrl: 'ws://127.0.0.1:4010/w',
      },
    };
    expect(parseApiEndpoints(JSON.stringify(outputs))).toEqual({
      url: 'http://127.0.0.1:4010/a/prod/',
      key: 'k',
      webSocketUrl: 'ws://127.0.0.1:4010/w',
    });
  });

  it('names the output it lacks', () => {
    expect(() =>
      parseApiEndpoints(JSON.stringify({ DataSharingStack: { ApiUrl: 'u', ApiKey: 'k' } })),
    ).toThrow('The outputs file has no DataSharingStack.WebSocketUrl');
    expect(() => parseApiEndpoints('{}')).toThrow('DataSharingStack.ApiUrl');
  });
});

describe('readiness probes', () => {
  // The get-order handler's 404 on one path; WebSocket upgrades accepted on /open, else 401 as `$connect`'s
  // authorizer answers without a ticket.
  const server = createServer((request, response) => {
    if (request.headers['x-api-key'] !== 'key') {
      response.writeHead(403).end('{"message":"Forbidden"}');
    } else if (request.url === '/prod/sync/orders/missing') {
      response
        .writeHead(404, { 'content-type': 'application/problem+json' })
        .end('{"type":"urn:problem:serverless-data-sharing:order-not-found","detail":"No order missing."}');
    } else {
      // The app's gateway response for a path no route serves: a 404 too, of another type.
      response
        .writeHead(404, { 'content-type': 'application/problem+json' })
        .end('{"type":"urn:problem:serverless-data-sharing:no-such-route","detail":"No resource or method"}');
    }
  });
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (request.url === '/open') {
      sockets.handleUpgrade(request, socket, head, (ws) => ws.close());
    } else {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    }
  });
  let port = 0;

  beforeAll(async () => {
    port = await listen(server);
  });
  afterAll(async () => {
    sockets.close();
    await close(server);
  });

  it('reads the detail of the handler’s missing-order 404, and nothing from an unknown route’s 404 or a 403', async () => {
    const api = { url: `http://127.0.0.1:${port}/prod/`, key: 'key', webSocketUrl: '' };
    expect(await missingOrderDetail(api, 'sync/orders/missing')).toBe('No order missing.');
    expect(await missingOrderDetail(api, 'sync/orders-new/missing')).toBeUndefined();
    expect(await missingOrderDetail({ ...api, key: 'other' }, 'sync/orders/missing')).toBeUndefined();
  });

  it('counts a refused handshake (401) and an accepted one as the WebSocket API answering', async () => {
    expect(await webSocketAnswers(`ws://127.0.0.1:${port}/connect`)).toBe(true);
    expect(await webSocketAnswers(`ws://127.0.0.1:${port}/open`)).toBe(true);
  });

  it('finds nothing answering where nothing listens', async () => {
    const port = await freePort();
    expect(await webSocketAnswers(`ws://127.0.0.1:${port}/`)).toBeUndefined();
    expect(
      await missingOrderDetail({ url: `http://127.0.0.1:${port}/`, key: 'key', webSocketUrl: '' }, 'x'),
    ).toBeUndefined();
  });
});
