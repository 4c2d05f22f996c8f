import type { RedisClient } from './redis-client.js';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
// A session is a hash: `d` the record's JSON, `t` the sealed tokens, and the activity fields
// `a` (lastSeenAt) and `e` (expiresAt), which win over `d`'s. Refresh and touch each write their
// own fields, in one script, and only while the hash exists: neither can bring back a deleted
// session or undo the other. Each script touches one key, so one cluster slot.
// Each change is published (ARGV[4] the channel, ARGV[5] the session's key) for the caches of
// every instance (redis-cache.ts): PUBLISH has no key, so a cluster allows it and broadcasts it.
const UPDATE = `if redis.call('exists', KEYS[1]) == 0 then return 0 end
if ARGV[3] ~= '' and redis.call('hget', KEYS[1], 't') ~= ARGV[3] then return 0 end
redis.call('hset', KEYS[1], 'd', ARGV[1], 't', ARGV[2])
redis.call('publish', ARGV[4], ARGV[5])
return 1`;
// Answers the session's user and provider session, whose indexes the caller then extends.
const TOUCH = `if redis.call('exists', KEYS[1]) == 0 then return false end
redis.call('hset', KEYS[1], 'a', ARGV[1], 'e', ARGV[2])
redis.call('pexpireat', KEYS[1], ARGV[3])
redis.call('publish', ARGV[4], ARGV[5])
local data = cjson.decode(redis.call('hget', KEYS[1], 'd'))
local sid = data.sid
if type(sid) ~= 'string' then sid = '' end
return {data.user.sub, sid}`;

/** The store's Lua scripts, as commands of its client. */
export interface SessionScripts {
  releaseLock(key: string, token: string): Promise<number>;
  /** 1 when applied: the session exists and, with `ifTokens`, still holds those tokens. */
  updateSession(
    key: string,
    data: string,
    tokens: Buffer,
    ifTokens: Buffer | '',
    changes: string,
    announced: string,
  ): Promise<number>;
  /** The session's `[sub, sid]` (sid '' when none), or null when it is gone. */
  touchSession(
    key: string,
    lastSeenAt: number,
    expiresAt: number,
    expiresAtMs: number,
    changes: string,
    announced: string,
  ): Promise<[string, string] | null>;
}

export function defineSessionScripts(redis: RedisClient): SessionScripts {
  redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: RELEASE });
  redis.defineCommand('updateSession', { numberOfKeys: 1, lua: UPDATE });
  redis.defineCommand('touchSession', { numberOfKeys: 1, lua: TOUCH });
  return redis as unknown as SessionScripts;
}
