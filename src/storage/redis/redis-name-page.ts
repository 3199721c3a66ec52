import { createHash } from 'node:crypto';
import { asciiLower, byCodePoint, nameMatches } from '../metric-names.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisClient } from './redis-rollups.js';

/** Names a page script looks at, at most, before it hands the rest to another call (Redis serves others in between). */
export const PAGE_BUDGET = 5_000;
/**
 * The largest read by score the script makes (converting a reply into Lua costs about a µs an
 * element): past it a page walks the names in order first.
 */
const SCORE_PLAN_MAX = PAGE_BUDGET;
/** How long (ms) a mend of the name order keeps others from mending it again while it looks incomplete. */
export const REBUILD_PAUSE = 60_000;
/** How long (ms) the name order is trusted without a mend, however whole it looks. */
export const REBUILD_EVERY = 600_000;

/**
 * One page of names, in one script call. KEYS: the name order (`P namelex`: every name at score
 * 0, so ZRANGEBYLEX walks it by name), the name index (`P nameidx`: name → latest end), the
 * order's mend mark (`P namelex:at`), the change logs' state (`P chgstate`). ARGV: the exclusive
 * end bound, the limit, `match` (ASCII lower case, '' for none), where to start ('-', or '(' and
 * the last name seen), the most names to look at, the order's TTL.
 *
 * The write script keeps the order with the index (same names, same TTL), so mends are for what
 * it did not write. On a first call, the order is built whole (ZUNIONSTORE) when it does not
 * exist and the index does (a store written before it, or an order that expired while an older
 * version kept the index alive), whatever the mark says. It is mended from the index when no
 * mend is marked (none yet, or the last is 10 minutes old), or when the last mend is a minute old
 * and either the two differ in size or an older version wrote since: every write counts its
 * names in the state's `seq`, this version's also in `kept`, so the gap between the two grows
 * only by writes that left the order alone (the mend notes the gap it saw in `lexgap`; a state
 * lost with a flush reads as grown). A mend adds the names the order lacks and removes those the
 * index no longer holds (two ZDIFFs: membership walks in C, about a third of a rebuild's cost at
 * 50,000 names). Then picks the cheaper plan: when few names ended after the bound (c of n, c <=
 * limit, or c^2 <= limit * n and c <= 5,000), reads those by score and lets the caller sort them
 * ('all'); else walks the order from `start`, looks each name up in the index, and stops at
 * `limit` found ('done') or after the budget (the next start, for the next call). Reply: that
 * word, c (-1 on a later call), then name, latest end pairs.
 */
const PAGE = `
local lex, idx, mark, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local after, limit, match, start, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local above = '(' .. ARGV[1]
local n = redis.call('ZCARD', idx)
if n == 0 then return {'done', 0} end
local c
local wanted = function(name) return match == '' or string.find(string.lower(name), match, 1, true) ~= nil end
if start == '-' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local at = tonumber(redis.call('GET', mark) or '')
  local counts = redis.call('HMGET', state, 'seq', 'kept', 'lexgap')
  local gap = (tonumber(counts[1]) or 0) - (tonumber(counts[2]) or 0)
  local absent = redis.call('EXISTS', lex) == 0
  if absent or at == nil or now < at or (now - at >= ${REBUILD_PAUSE} and (redis.call('ZCARD', lex) ~= n or tonumber(counts[3]) ~= gap)) then
    if absent then
      redis.call('ZUNIONSTORE', lex, 1, idx, 'WEIGHTS', 0)
    else
      -- Mended, not rebuilt: two membership walks in C, then only the names that differ move.
      local missing = redis.call('ZDIFF', 2, idx, lex)
      for i = 1, #missing, 500 do
        local args = {}
        for j = i, math.min(i + 499, #missing) do
          args[#args + 1] = 0
          args[#args + 1] = missing[j]
        end
        redis.call('ZADD', lex, unpack(args))
      end
      local stale = redis.call('ZDIFF', 2, lex, idx)
      for i = 1, #stale, 500 do redis.call('ZREM', lex, unpack(stale, i, math.min(i + 499, #stale))) end
    end
    redis.call('SET', mark, now, 'PX', ${REBUILD_EVERY})
    redis.call('HSET', state, 'lexgap', gap)
  end
  redis.call('PEXPIRE', lex, ARGV[6])
  c = redis.call('ZCOUNT', idx, above, '+inf')
  if c == 0 then return {'done', 0} end
  if c <= limit or (c <= ${SCORE_PLAN_MAX} and c * c <= limit * n) then
    local flat = redis.call('ZRANGEBYSCORE', idx, above, '+inf', 'WITHSCORES')
    local out = {'all', c}
    for i = 1, #flat, 2 do
      if wanted(flat[i]) then
        out[#out + 1] = flat[i]
        out[#out + 1] = flat[i + 1]
      end
    end
    return out
  end
end
local out, found, seen = {'done', -1}, 0, 0
if c ~= nil then out[2] = c end
while true do
  local chunk = math.min(budget - seen, math.max(2 * (limit - found), 100))
  local names = redis.call('ZRANGEBYLEX', lex, start, '+', 'LIMIT', 0, chunk)
  for _, name in ipairs(names) do
    -- The match first: a string search costs less than a command.
    if wanted(name) then
      local score = redis.call('ZSCORE', idx, name)
      if score and tonumber(score) > after then
        out[#out + 1] = name
        out[#out + 1] = score
        found = found + 1
        if found == limit then return out end
      end
    end
  end
  seen = seen + #names
  if #names < chunk then return out end
  start = '(' .. names[#names]
  if seen >= budget then
    out[1] = start
    return out
  end
end`;

const PAGE_SHA = createHash('sha1').update(PAGE).digest('hex');

/** A name the index holds, with its latest end. */
export interface IndexedName {
  name: string;
  lastSeen: number;
}

/** How a page was read (for tests and the benchmark). */
export interface PageStats {
  /** Script calls made. */
  calls: number;
  /** 'score': the names that ended after the bound, sorted here; 'order': the walk by name. */
  plan: 'score' | 'order';
}

/**
 * The first `limit` names (code point order) of the index whose latest end is after `after` and
 * that contain `match`: a page costs O(limit + log n) on the walk by name (plus the names it
 * passes that ended before `after` or do not match), or O(c log c) when only c names ended after
 * `after` and c is small; never a read of every name. Redis' byte order of UTF-8 is code point order.
 */
export async function readNamePage(client: RedisClient, keys: RedisKeys, after: number, limit: number, match: string | undefined, ttl: number, stats?: PageStats): Promise<IndexedName[]> {
  const folded = match === undefined ? '' : asciiLower(match);
  const out: IndexedName[] = [];
  let start = '-';
  let calls = 0;
  let candidates = -1;
  for (;;) {
    calls++;
    const args = [4, keys.nameLex, keys.nameIndex, keys.nameLexMark, keys.changeState, String(after), limit - out.length, folded, start, PAGE_BUDGET, Math.ceil(ttl)];
    const reply = (await evalPage(client, args)) as (string | number)[];
    if (calls === 1) candidates = Number(reply[1]);
    for (let i = 2; i < reply.length; i += 2) out.push({ name: String(reply[i]), lastSeen: Number(reply[i + 1]) });
    if (reply[0] === 'all') {
      if (stats) Object.assign(stats, { calls, plan: 'score' });
      return out.sort((a, b) => byCodePoint(a.name, b.name)).slice(0, limit);
    }
    if (reply[0] === 'done' || out.length >= limit) {
      if (stats) Object.assign(stats, { calls, plan: 'order' });
      return out;
    }
    // The walk passed a budget of names and the page is not full: the names it wants are rare
    // here (a `match` few names hold, a stretch of names older than the bound). Walking on at the
    // rate seen so far would look at `rest` more names; reading the c candidates by score (one
    // plain command, filtered here: what every page cost before the name order) costs c.
    const rate = out.length / (PAGE_BUDGET * calls);
    const rest = rate === 0 ? Infinity : (limit - out.length) / rate;
    if (rest > candidates) {
      if (stats) Object.assign(stats, { calls: calls + 1, plan: 'score' });
      return readByScore(client, keys, after, limit, match);
    }
    start = String(reply[0]);
  }
}

/** Every name that ended after `after` and contains `match`, sorted here, the first `limit`. */
async function readByScore(client: RedisClient, keys: RedisKeys, after: number, limit: number, match: string | undefined): Promise<IndexedName[]> {
  const flat = (await client.zrangebyscore(keys.nameIndex, `(${after}`, '+inf', 'WITHSCORES')) as string[];
  const out: IndexedName[] = [];
  for (let i = 0; i < flat.length; i += 2) if (nameMatches(flat[i]!, match)) out.push({ name: flat[i]!, lastSeen: Number(flat[i + 1]) });
  return out.sort((a, b) => byCodePoint(a.name, b.name)).slice(0, limit);
}

async function evalPage(client: RedisClient, args: (string | number)[]): Promise<unknown> {
  try {
    return await client.call('EVALSHA', [PAGE_SHA, ...args]);
  } catch (error) {
    // Not run: the server does not hold the script (first call, restart, flush, failover).
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return client.call('EVAL', [PAGE, ...args]);
  }
}
