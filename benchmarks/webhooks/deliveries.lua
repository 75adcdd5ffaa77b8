-- wrk script for benchmarks/webhooks.py: send pre-signed deliveries, each one once.
--   wrk ... -s deliveries.lua URL -- BODIES_FILE
-- BODIES_FILE has one delivery a line: "<X-Baton-Signature value>\t<JSON body>". Thread k of n sends
-- lines k, k+n, k+2n, ... so no two threads send the same delivery; a thread that runs out starts its
-- slice again (those repeats would be duplicates: `done` reports them, and the script warns).

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests, sent, wrapped = {}, 0, 0
  local i = 0
  for line in io.lines(args[1]) do
    if i % tonumber(args[2]) == index then
      local tab = line:find("\t", 1, true)
      local headers = {["Content-Type"] = "application/json", ["X-Baton-Signature"] = line:sub(1, tab - 1)}
      requests[#requests + 1] = wrk.format("POST", wrk.path, headers, line:sub(tab + 1))
    end
    i = i + 1
  end
end

function request()
  sent = sent + 1
  if sent > #requests then
    sent, wrapped = 1, wrapped + 1
  end
  return requests[sent]
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + thread:get("wrapped")
  end
  io.write(string.format("bodies wrapped: %d\n", wraps))
end
