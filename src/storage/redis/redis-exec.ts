import type { ChainableCommander } from 'ioredis';

/**
 * Runs a pipeline (one round trip) and returns each command's reply; rejects with the first
 * command error, so a batch resolves only when every command succeeded.
 */
export async function exec(pipe: ChainableCommander): Promise<unknown[]> {
  const results = await pipe.exec();
  if (results === null) throw new Error('the pipeline was discarded');
  const out: unknown[] = new Array(results.length);
  for (let i = 0; i < results.length; i++) {
    const [error, reply] = results[i]!;
    if (error) throw error;
    out[i] = reply;
  }
  return out;
}
