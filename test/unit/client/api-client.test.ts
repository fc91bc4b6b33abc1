import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CmvClient } from '../../../lib/client/api-client';

describe('api-client', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end('{"items":[]}');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((closed) => server.close(closed));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  describe('CmvClient.request()', () => {
    it('sends a fixed token as Authorization', async () => {
      await new CmvClient(url, { token: 'id-token' }).changes();

      expect(seen[0].authorization).toBe('id-token');
    });

    it('asks a token function before each request, so a long-running command sends each refreshed token', async () => {
      const tokens = ['first', 'second'];
      const client = new CmvClient(url, { token: async () => tokens.shift() });

      await client.changes();
      await client.changes();

      expect(seen.map((h) => h.authorization)).toEqual(['first', 'second']);
    });

    it('sends no Authorization when the token function has none (nobody signed in)', async () => {
      await new CmvClient(url, { token: async () => undefined }).changes();

      expect(seen[0]).not.toHaveProperty('authorization');
    });
  });
});
