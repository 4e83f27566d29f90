-- wrk script of scripts/load-test.sh: POSTs the body in $LOAD_BODY with the
-- Content-Type in $LOAD_TYPE, stops each thread after $LOAD_STOP responses
-- (0: run for wrk's duration) and prints one line of figures.
local file = assert(io.open(os.getenv("LOAD_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = os.getenv("LOAD_TYPE")

local stop_after = tonumber(os.getenv("LOAD_STOP") or "0")
local seen = 0

-- Defined only for counted runs: wrk parses answers into Lua only when a
-- script asks for them, which costs throughput.
if stop_after > 0 then
  response = function()
    seen = seen + 1
    if seen >= stop_after then wrk.thread:stop() end
  end
end

-- requests, requests/s, p50 ms, p99 ms, failed (socket errors, timeouts and
-- answers other than 2xx/3xx).
done = function(summary, latency)
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.3f %.3f %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, e.connect + e.read + e.write + e.timeout + e.status))
end
