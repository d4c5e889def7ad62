import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyIamRequest } from '@serverless-data-sharing/local-cloud';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signedJsonGetter } from '../../../lambda/shared/signed-request.ts';

const credentials = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
let server: http.Server;
let url: string;
const verdicts: unknown[] = [];

beforeAll(async () => {
  for (const [name, value] of Object.entries(credentials)) vi.stubEnv(name, value);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  server = http.createServer((request, response) => {
    const [rawPath = '', rawQuery = ''] = (request.url ?? '').split('?');
    void verifyIamRequest(
      { method: request.method ?? 'GET', rawPath, rawQuery, headers: request.headers, body: Buffer.alloc(0) },
      {
        secretFor: (key) =>
          key === credentials.AWS_ACCESS_KEY_ID ? credentials.AWS_SECRET_ACCESS_KEY : undefined,
        region: 'us-east-1',
        accountId: '000000000000',
        now: new Date(),
      },
    ).then((verdict) => {
      verdicts.push(verdict);
      response.writeHead(verdict.ok ? 200 : 403, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(verdict.ok ? { orderId: 'o-1' } : verdict.refusal));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => server.close(resolve));
});

describe('SigV4-signed GETs to IAM-authorized API methods', () => {
  it('signs with the function’s credentials so that the signature checks out, query included', async () => {
    const get = signedJsonGetter('us-east-1');
    expect(await get(`${url}/abc123/prod/events/orders/o-1?view=full`)).toEqual({
      status: 200,
      body: { orderId: 'o-1' },
    });
    expect(verdicts.at(-1)).toMatchObject({ ok: true, caller: { accessKey: 'AKIDEXAMPLE' } });
  });

  it('is refused when signed for another region', async () => {
    const get = signedJsonGetter('eu-west-1');
    const response = await get(`${url}/abc123/prod/events/orders/o-1`);
    expect(response.status).toBe(403);
    expect(verdicts.at(-1)).toMatchObject({ ok: false });
  });
});
