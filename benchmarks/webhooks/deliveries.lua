-- wrk script for benchmarks/webhooks.py: send a burst of pre-signed deliveries, each one exactly once.
--   wrk ... -s deliveries.lua URL -- BODIES_FILE THREADS
-- BODIES_FILE has one delivery a line: "<X-Baton-Signature value>\t<JSON body>". Thread k of n sends
-- lines k, k+n, k+2n, ... so no two threads send the same delivery, and stops once each of its deliveries
-- has been answered, saying so on stdout: the burst is the file, sent as fast as the server answers. wrk
-- itself runs until -d or SIGINT, so the caller interrupts it once every thread is done, and wrk's rate is
-- the burst's. `done` reports how many answers came back.

local threads = {}
local MARGIN = 64  -- more than wrk's connections per thread

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests, sent, answered = {}, 0, 0
  local i = 0
  for line in io.lines(args[1]) do
    if i % tonumber(args[2]) == index then
      local tab = line:find("\t", 1, true)
      local headers = {["Content-Type"] = "application/json", ["X-Baton-Signature"] = line:sub(1, tab - 1)}
      requests[#requests + 1] = wrk.format("POST", wrk.path, headers, line:sub(tab + 1))
    end
    i = i + 1
  end
  -- wrk asks for one request it never sends (the first delivery was missing from every burst), so the first
  -- delivery comes twice: once for that call, and at worst once more, answered as a duplicate and kept once.
  table.insert(requests, 1, requests[1])
end

function request()
  sent = sent + 1
  if sent > #requests then  -- the last few connections wait for the answers still coming: send nothing new
    return requests[#requests]
  end
  return requests[sent]
end

function response(status, headers, body)
  answered = answered + 1
  -- Once every delivery is sent, each connection sends the last one again (a duplicate, answered 200 and kept
  -- once) while the others finish; MARGIN answers past the burst, every connection has had its last one answered.
  if answered == #requests + MARGIN then
    io.write("burst sent\n")  -- benchmarks/webhooks.py interrupts wrk once every thread has said so
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("answered")
  end
  io.write(string.format("deliveries answered: %d\n", total))
end
