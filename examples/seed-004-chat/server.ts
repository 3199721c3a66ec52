// The chat app's HTTP side: POST /api/chat queues a message (seed 004's API), and the
// monitoring handler under /api/admin serves seed 004's GET /api/admin/performance-analysis
// (and /sla, /metrics ... for the CLI), behind a bearer token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Monitor } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import type { ChatPipeline } from './pipeline.js';

/** Starts the app on 127.0.0.1:`port` (0: a free one). */
export async function startServer(monitor: Monitor, pipeline: ChatPipeline, token: string, port: number): Promise<{ base: string; close(): Promise<void> }> {
  const admin = createNodeMonitoringHandler(monitor, { basePath: '/api/admin', auth: token });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/admin/')) return void admin(req, res);
    if (req.method === 'POST' && req.url === '/api/chat') return void chat(req, res, pipeline);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function chat(req: IncomingMessage, res: ServerResponse, pipeline: ChatPipeline): Promise<void> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 4_096) return void res.writeHead(413).end();
  }
  let conversationId: unknown;
  try {
    conversationId = (JSON.parse(body) as { conversationId?: unknown }).conversationId;
  } catch {
    conversationId = undefined;
  }
  if (!Number.isSafeInteger(conversationId) || (conversationId as number) < 0) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'conversationId: must be a non-negative integer' }));
    return;
  }
  pipeline.send(conversationId as number);
  res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ queued: true }));
}

/** Users chatting: `rate` messages a second to POST /api/chat, over 20 conversations, until `stop()`. */
export function startTraffic(base: string, rate: number): { stop(): Promise<void> } {
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  const perTick = rate / 20; // a tick every 50 ms
  let owed = 0;
  // Round-robin over the conversations, so each has its share of the 100 retained samples (with
  // random ids, one conversation in 170 runs had none among them, and ?conversationId=7 read nothing).
  let next = 0;
  const timer = setInterval(() => {
    if (stopped) return;
    for (owed += perTick; owed >= 1; owed--) {
      const p = fetch(`${base}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationId: next++ % 20 }) })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  }, 50);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
