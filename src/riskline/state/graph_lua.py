"""Lua scripts of :class:`riskline.state.redis_graph.RedisGraph`: each graph mutation is atomic.

They mirror ``riskline.graph.linkgraph.LinkGraph`` and ``Components`` step for step (same
recency order of adjacency, same eviction, same union by size), so a graph kept in Redis
answers exactly as the in-process one. Keys, under the prefix ``P`` (``<namespace>:g``):

- ``P:z:<node>`` sorted set: neighbours in recency order (score = global sequence number)
- ``P:o:<node>`` sorted set: the directed money/ownership index, in first-insertion order
- ``P:l:<a>\\x1f<b>`` hash: one link (ends, kind bits both ways, first/last seen, count,
  amount, time bucket); ``P:lb`` sorted set: link id by bucket of its last sighting
- ``P:root`` hash node -> component root; ``P:m:<root>`` set of members; ``P:k:<root>`` hash
  kind -> count; ``P:cf`` / ``P:ce`` hashes root -> flagged members / credit exposure;
  ``P:dirty`` set of roots that lost a link
- ``P:flags`` hash node -> reasons (JSON), ``P:flagver`` counter; ``P:exp`` node -> exposure

Floats are written with ``%.17g`` so they read back bit for bit.
"""

from __future__ import annotations

__all__ = [
    "ADD_EDGE",
    "EGO",
    "EXPIRE_LINK",
    "EXPOSURE",
    "FLAG",
    "MAX_NOW",
    "READ_ADJ",
    "RESPLIT",
    "STATS",
]

_COMMON = r"""
local P = ARGV[1]
local function fmt(x) return string.format('%.17g', x) end
local function kind_of(n) return string.sub(n, 1, string.find(n, ':', 1, true) - 1) end
local function comp_add(node, flagged, exposure)
  local root = redis.call('HGET', P .. ':root', node)
  if root then return root end
  redis.call('HSET', P .. ':root', node, node)
  redis.call('SADD', P .. ':m:' .. node, node)
  redis.call('HSET', P .. ':k:' .. node, kind_of(node), 1)
  redis.call('HSET', P .. ':cf', node, flagged)
  redis.call('HSET', P .. ':ce', node, fmt(exposure))
  return node
end
local function exposure_of(node)
  return tonumber(redis.call('HGET', P .. ':exp', node) or '0')
end
local function flagged_of(node) return redis.call('HEXISTS', P .. ':flags', node) end
local function mark_dirty(node)
  local root = redis.call('HGET', P .. ':root', node)
  if root then redis.call('SADD', P .. ':dirty', root) end
end
local function lid_of(a, b)
  if a < b then return a .. '\31' .. b end
  return b .. '\31' .. a
end
local function remove_link(lid, join_mask)
  local l = redis.call('HMGET', P .. ':l:' .. lid, 'a', 'b', 'fwd', 'rev')
  local a, b = l[1], l[2]
  if not a then return 0 end
  for _, e in ipairs({{a, b}, {b, a}}) do
    local x, y = e[1], e[2]
    if not redis.call('ZSCORE', P .. ':z:' .. x, y) then return 0 end
    redis.call('ZREM', P .. ':z:' .. x, y)
    if redis.call('EXISTS', P .. ':z:' .. x) == 0 then mark_dirty(x) end
  end
  redis.call('ZREM', P .. ':o:' .. a, b)
  redis.call('ZREM', P .. ':o:' .. b, a)
  if bit.band(bit.bor(tonumber(l[3]), tonumber(l[4])), join_mask) ~= 0 then mark_dirty(a) end
  redis.call('DEL', P .. ':l:' .. lid)
  redis.call('ZREM', P .. ':lb', lid)
  return 1
end
"""

_UNION = r"""
local function union(a, b)
  local ra, rb = comp_add(a, 0, 0), comp_add(b, 0, 0)
  if ra == rb then return end
  if redis.call('SCARD', P .. ':m:' .. ra) < redis.call('SCARD', P .. ':m:' .. rb) then
    ra, rb = rb, ra
  end
  local moved = redis.call('SMEMBERS', P .. ':m:' .. rb)
  for _, node in ipairs(moved) do
    redis.call('HSET', P .. ':root', node, ra)
    redis.call('SADD', P .. ':m:' .. ra, node)
  end
  redis.call('DEL', P .. ':m:' .. rb)
  local kinds = redis.call('HGETALL', P .. ':k:' .. rb)
  for i = 1, #kinds, 2 do redis.call('HINCRBY', P .. ':k:' .. ra, kinds[i], kinds[i + 1]) end
  redis.call('DEL', P .. ':k:' .. rb)
  redis.call('HINCRBY', P .. ':cf', ra, redis.call('HGET', P .. ':cf', rb))
  redis.call('HDEL', P .. ':cf', rb)
  local ea = tonumber(redis.call('HGET', P .. ':ce', ra))
  local eb = tonumber(redis.call('HGET', P .. ':ce', rb))
  redis.call('HSET', P .. ':ce', ra, fmt(ea + eb))
  redis.call('HDEL', P .. ':ce', rb)
  if redis.call('SREM', P .. ':dirty', rb) == 1 then redis.call('SADD', P .. ':dirty', ra) end
end
"""

ADD_EDGE = (
    _COMMON
    + _UNION
    + r"""
-- ARGV: P, a, b, kind bit, is out kind, is join kind, ts, amount, bucket of ts,
--       max degree, join mask
local a, b = ARGV[2], ARGV[3]
if a == b then return 0 end
local kbit, ts, amount = tonumber(ARGV[4]), tonumber(ARGV[7]), tonumber(ARGV[8])
local join_mask = tonumber(ARGV[11])
for _, n in ipairs({a, b}) do
  if redis.call('EXISTS', P .. ':z:' .. n) == 0 then comp_add(n, flagged_of(n), exposure_of(n)) end
end
local lid = lid_of(a, b)
local lk = P .. ':l:' .. lid
if not redis.call('ZSCORE', P .. ':z:' .. a, b) then
  redis.call('DEL', lk)
  redis.call('HSET', lk, 'a', a, 'b', b, 'fwd', 0, 'rev', 0, 'first', ARGV[7], 'last', ARGV[7],
             'count', 0, 'amount', '0', 'bucket', -1)
end
local seq = redis.call('INCR', P .. ':seq')
redis.call('ZADD', P .. ':z:' .. a, seq, b)
redis.call('ZADD', P .. ':z:' .. b, seq, a)
local l = redis.call('HMGET', lk, 'a', 'fwd', 'rev', 'first', 'last', 'count', 'amount', 'bucket')
if l[1] == a then
  redis.call('HSET', lk, 'fwd', bit.bor(tonumber(l[2]), kbit))
else
  redis.call('HSET', lk, 'rev', bit.bor(tonumber(l[3]), kbit))
end
redis.call('HSET', lk, 'count', tonumber(l[6]) + 1, 'amount', fmt(tonumber(l[7]) + amount))
if ts < tonumber(l[4]) then
  redis.call('HSET', lk, 'first', ARGV[7])
elseif ts > tonumber(l[5]) then
  redis.call('HSET', lk, 'last', ARGV[7])
end
if ARGV[5] == '1' then redis.call('ZADD', P .. ':o:' .. a, 'NX', seq, b) end
local bucket = tonumber(ARGV[9])
if bucket > tonumber(l[8]) then
  redis.call('HSET', lk, 'bucket', bucket)
  redis.call('ZADD', P .. ':lb', bucket, lid)
end
if ARGV[6] == '1' then union(a, b) end
local max_degree = tonumber(ARGV[10])
for _, n in ipairs({a, b}) do
  if redis.call('ZCARD', P .. ':z:' .. n) > max_degree then
    local oldest = redis.call('ZRANGE', P .. ':z:' .. n, 0, 0)[1]
    remove_link(lid_of(n, oldest), join_mask)
  end
end
return 1
"""
)

EXPIRE_LINK = (
    _COMMON
    + r"""
-- ARGV: P, link id, last bucket kept, sticky mask, join mask
local lk = P .. ':l:' .. ARGV[2]
local l = redis.call('HMGET', lk, 'fwd', 'rev', 'bucket')
if not l[1] then redis.call('ZREM', P .. ':lb', ARGV[2]) return 0 end
if tonumber(l[3]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZREM', P .. ':lb', ARGV[2])
if bit.band(bit.bor(tonumber(l[1]), tonumber(l[2])), tonumber(ARGV[4])) ~= 0 then return 0 end
return remove_link(ARGV[2], tonumber(ARGV[5]))
"""
)

EXPOSURE = (
    _COMMON
    + r"""
-- ARGV: P, node, amount
local amount = tonumber(ARGV[3])
redis.call('HSET', P .. ':exp', ARGV[2], fmt(exposure_of(ARGV[2]) + amount))
local root = comp_add(ARGV[2], 0, 0)
redis.call('HSET', P .. ':ce', root, fmt(tonumber(redis.call('HGET', P .. ':ce', root)) + amount))
return 1
"""
)

FLAG = (
    _COMMON
    + r"""
-- ARGV: P, node, reason
local raw = redis.call('HGET', P .. ':flags', ARGV[2])
local reasons = raw and cjson.decode(raw) or {}
if #reasons == 0 then
  local root = comp_add(ARGV[2], 0, exposure_of(ARGV[2]))
  redis.call('HINCRBY', P .. ':cf', root, 1)
end
for _, r in ipairs(reasons) do if r == ARGV[3] then return 0 end end
table.insert(reasons, ARGV[3])
redis.call('HSET', P .. ':flags', ARGV[2], cjson.encode(reasons))
redis.call('INCR', P .. ':flagver')
return 1
"""
)

MAX_NOW = r"""
-- ARGV: P, ts: the newest event time the graph has seen (``LinkGraph.now_ts``)
local now = redis.call('GET', ARGV[1] .. ':now')
if not now or tonumber(ARGV[2]) > tonumber(now) then
  redis.call('SET', ARGV[1] .. ':now', ARGV[2])
end
return 1
"""

READ_ADJ = r"""
-- ARGV: P, node, mask (0 = every link), out (1 = the directed index, in its order)
-- -> one string per link: other, a, fwd, rev, first, last, count, amount (\31-separated)
local P, node, mask = ARGV[1], ARGV[2], tonumber(ARGV[3])
local key = ARGV[4] == '1' and (P .. ':o:' .. node) or (P .. ':z:' .. node)
local rows = {}
for _, other in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  local lid
  if node < other then lid = node .. '\31' .. other else lid = other .. '\31' .. node end
  local l = redis.call('HMGET', P .. ':l:' .. lid, 'a', 'fwd', 'rev', 'first', 'last', 'count',
                       'amount')
  if l[1] and (mask == 0 or bit.band(bit.bor(tonumber(l[2]), tonumber(l[3])), mask) ~= 0) then
    table.insert(rows, other .. '\31' .. table.concat(l, '\31'))
  end
end
return rows
"""

EGO = r"""
-- ARGV: P, node, depth, max nodes, max degree. Every link of the nodes within ``depth`` hops
-- (breadth first; nodes with more than ``max degree`` links are neither read nor expanded)
-- -> flat list: node, its links (as READ_ADJ rows), its directed-index neighbours, ...
local P, start = ARGV[1], ARGV[2]
local depth, max_nodes, max_degree = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out, seen, frontier, count = {}, {[start] = true}, {start}, 0
for d = 0, depth do
  local nxt = {}
  for _, node in ipairs(frontier) do
    if count >= max_nodes then return out end
    local zkey = P .. ':z:' .. node
    if redis.call('ZCARD', zkey) <= max_degree then
      count = count + 1
      local rows = {}
      for _, other in ipairs(redis.call('ZRANGE', zkey, 0, -1)) do
        local lid
        if node < other then lid = node .. '\31' .. other else lid = other .. '\31' .. node end
        local l = redis.call('HMGET', P .. ':l:' .. lid, 'a', 'fwd', 'rev', 'first', 'last',
                             'count', 'amount')
        if l[1] then table.insert(rows, other .. '\31' .. table.concat(l, '\31')) end
        if not seen[other] then
          seen[other] = true
          table.insert(nxt, other)
        end
      end
      table.insert(out, node)
      table.insert(out, rows)
      table.insert(out, redis.call('ZRANGE', P .. ':o:' .. node, 0, -1))
    end
  end
  frontier = nxt
end
return out
"""

STATS = r"""
-- ARGV: P, node -> {root or false, size, kinds, flagged, exposure, flag version, propagated
--                   risk or false, cached flow features or false}
local P, node = ARGV[1], ARGV[2]
local ver = (redis.call('GET', P .. ':epoch') or '') .. ':'
ver = ver .. (redis.call('GET', P .. ':flagver') or '0')
local risk = redis.call('HGET', P .. ':risk', node)
local flow = redis.call('HGET', P .. ':fc', node)
local root = redis.call('HGET', P .. ':root', node)
if not root then return {false, 0, {}, 0, '0', ver, risk, flow} end
return {root, redis.call('SCARD', P .. ':m:' .. root), redis.call('HGETALL', P .. ':k:' .. root),
        redis.call('HGET', P .. ':cf', root), redis.call('HGET', P .. ':ce', root), ver, risk, flow}
"""

RESPLIT = (
    _COMMON
    + _UNION
    + r"""
-- ARGV: P, join mask. Components.rebuild: re-split dirty components by a flood over what is
-- left (atomic: no other write interleaves). Returns the nodes revisited.
local join_mask = tonumber(ARGV[2])
local dirty = redis.call('SMEMBERS', P .. ':dirty')
redis.call('DEL', P .. ':dirty')
local todo = {}
for _, root in ipairs(dirty) do
  if redis.call('EXISTS', P .. ':m:' .. root) == 1 then
    for _, n in ipairs(redis.call('SMEMBERS', P .. ':m:' .. root)) do table.insert(todo, n) end
    redis.call('DEL', P .. ':m:' .. root, P .. ':k:' .. root)
    redis.call('HDEL', P .. ':cf', root)
    redis.call('HDEL', P .. ':ce', root)
  end
end
for _, n in ipairs(todo) do redis.call('HDEL', P .. ':root', n) end
local function joined(n)
  local out = {}
  for _, other in ipairs(redis.call('ZRANGE', P .. ':z:' .. n, 0, -1)) do
    local l = redis.call('HMGET', P .. ':l:' .. lid_of(n, other), 'fwd', 'rev')
    if l[1] and bit.band(bit.bor(tonumber(l[1]), tonumber(l[2])), join_mask) ~= 0 then
      table.insert(out, other)
    end
  end
  return out
end
for _, start in ipairs(todo) do
  local alive = redis.call('EXISTS', P .. ':z:' .. start) == 1 or flagged_of(start) == 1
  if alive and not redis.call('HGET', P .. ':root', start) then
    comp_add(start, flagged_of(start), exposure_of(start))
    local stack = {start}
    while #stack > 0 do
      local node = table.remove(stack)
      for _, nxt in ipairs(joined(node)) do
        if not redis.call('HGET', P .. ':root', nxt) then
          comp_add(nxt, flagged_of(nxt), exposure_of(nxt))
          union(start, nxt)
          table.insert(stack, nxt)
        end
      end
    end
  end
end
return #todo
"""
)
