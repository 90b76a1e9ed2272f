-- The load of benchmarks/web.py, run by wrk (`wrk -s benchmarks/web_wrk.lua`).
--
-- Not meant to be run by hand: web.py logs the sessions in through the login form,
-- writes two files and starts wrk with one connection per thread
-- (`-t USERS -c USERS`), so each thread is one user whose responses come back in
-- the order of its requests:
--
--   ZJTX_WRK_SESSIONS  one line per thread: its session Cookie header, a tab, and
--                      the 0-based offset in the plan it starts from;
--   ZJTX_WRK_PLAN      the plan, one request per line: kind, path (percent-encoded
--                      ASCII), and a text the page must hold, tab-separated.
--
-- Each thread requests one plan entry after another, without think time, from its
-- own offset. A response is an error unless it is a 200 that holds the entry's text
-- and is not the login form (wrk follows no redirect, so a lost session shows as a
-- 302). Only 127.0.0.1 is a target.
--
-- Latencies are timed here, from request() to response() (the points between which
-- wrk times them: the request about to be written, the response read whole), with
-- CLOCK_MONOTONIC through LuaJIT's ffi, because the histogram wrk hands to done()
-- is "corrected" for coordinated omission: wrk adds made-up samples below every
-- latency over twice the mean interval, which with 20 closed-loop users and a
-- spread of latencies raises its p95 far above what any request took (a test
-- against a server answering 90 % in 10 ms and 10 % in 500 ms: wrk's p90 397 ms,
-- the requests' own 14 ms). done() writes each request's kind, time in ms and
-- verdict (1 the page asked for), tab-separated, one a line, to ZJTX_WRK_RESULTS, and prints one JSON line, prefixed `ZJTX_WRK `: the counts
-- summed over the threads, percentiles of those latencies and, for reference,
-- wrk's own.

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } zjtx_timespec;
int clock_gettime(int clock, zjtx_timespec *t);
]]
local CLOCK_MONOTONIC = 1  -- Linux
local timespec = ffi.new("zjtx_timespec")

local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
   return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local LOGIN_MARKER = 'name="password"'

local function lines(path)
   local f = assert(io.open(path, "r"))
   local out = {}
   for line in f:lines() do
      if line ~= "" then
         out[#out + 1] = line
      end
   end
   f:close()
   return out
end

local function env(name)
   local value = os.getenv(name)
   if not value or value == "" then
      io.stderr:write("web_wrk.lua: " .. name .. " is not set (web.py sets it)\n")
      os.exit(2)
   end
   return value
end

-- setup() and done() run in wrk's main Lua state, the rest in each thread's own.

local threads = {}
local sessions = nil

function setup(thread)
   if wrk.host ~= "127.0.0.1" then
      io.stderr:write("web_wrk.lua: refusing to load " .. tostring(wrk.host) .. "; only 127.0.0.1 is a target\n")
      os.exit(2)
   end
   sessions = sessions or lines(env("ZJTX_WRK_SESSIONS"))
   local id = #threads + 1
   local cookie, offset = (sessions[id] or ""):match("^([^\t]+)\t(%d+)$")
   if not cookie then
      io.stderr:write(string.format("web_wrk.lua: no session for thread %d (%d in the file)\n", id, #sessions))
      os.exit(2)
   end
   thread:set("id", id)
   thread:set("cookie", cookie)
   thread:set("offset", tonumber(offset))
   threads[id] = thread
end

function init(args)
   plan = lines(env("ZJTX_WRK_PLAN"))  -- split when requested: 20 threads need not split 6,000 lines each
   if #plan == 0 then
      io.stderr:write("web_wrk.lua: empty plan\n")
      os.exit(2)
   end
   i = offset or 0
   current = nil  -- the entry of the request in flight (one connection: one at a time)
   started = 0
   latencies = {}  -- "kind\tms\tok", one per response
   responses, non200, wrong_page, login_form = 0, 0, 0, 0
   first_error = ""
end

function request()
   local line = plan[i % #plan + 1]
   i = i + 1
   local kind, path, marker = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
   if not kind then
      io.stderr:write("web_wrk.lua: bad plan line: " .. line .. "\n")
      os.exit(2)
   end
   current = {kind, path, marker}
   local text = wrk.format("GET", path, {Cookie = cookie})
   started = now_ms()
   return text
end

local function failed(why)
   if first_error == "" then
      first_error = string.format("%s %s: %s", current[1], current[2], why)
   end
end

function response(status, headers, body)
   local ms = now_ms() - started
   local ok = 0
   responses = responses + 1
   if status ~= 200 then
      non200 = non200 + 1
      failed("HTTP " .. status)
   elseif string.find(body, LOGIN_MARKER, 1, true) then
      login_form = login_form + 1
      failed("the login form")
   elseif not string.find(body, current[3], 1, true) then
      wrong_page = wrong_page + 1
      failed("no " .. current[3])
   else
      ok = 1
   end
   -- kind, ms, ok: web.py makes a row per kind of request from these
   latencies[#latencies + 1] = string.format("%s\t%.3f\t%d", current[1], ms, ok)
end

function done(summary, latency, requests)
   local n = {responses = 0, non200 = 0, wrong_page = 0, login_form = 0}
   local first = ""
   local all = {}
   for _, thread in ipairs(threads) do
      for key in pairs(n) do
         n[key] = n[key] + (thread:get(key) or 0)
      end
      if first == "" then
         first = thread:get("first_error") or ""
      end
      for _, ms in ipairs(thread:get("latencies") or {}) do
         all[#all + 1] = ms
      end
   end
   local out = assert(io.open(env("ZJTX_WRK_RESULTS"), "w"))
   for i, line in ipairs(all) do
      out:write(line, "\n")
      all[i] = tonumber(line:match("\t([^\t]+)\t"))
   end
   out:close()
   table.sort(all)
   local function rank(p)  -- nearest rank; web.py interpolates from the file
      return string.format("%.3f", #all > 0 and all[math.max(1, math.ceil(p / 100 * #all))] or 0)
   end
   local function wrk_ms(us)
      return string.format("%.3f", us / 1000)
   end
   local function quoted(s)  -- a JSON string (the plan's paths and markers are ASCII)
      return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
   end
   local e = summary.errors
   io.write("ZJTX_WRK {",
      '"requests": ', summary.requests, ', "duration_s": ', string.format("%.3f", summary.duration / 1e6),
      ', "bytes": ', summary.bytes, ', "threads": ', #threads,
      ', "socket_errors": {"connect": ', e.connect, ', "read": ', e.read, ', "write": ', e.write,
      ', "timeout": ', e.timeout, '}',
      ', "wrk_status_errors": ', e.status,
      ', "responses_seen": ', n.responses,
      ', "status_errors": ', n.non200,
      ', "marker_errors": ', n.wrong_page + n.login_form,
      ', "login_form": ', n.login_form,
      ', "first_error": ', quoted(first),
      ', "latency_ms": {"p50": ', rank(50), ', "p95": ', rank(95), ', "p99": ', rank(99),
      ', "max": ', rank(100), '}',
      ', "wrk_latency_ms": {"p50": ', wrk_ms(latency:percentile(50)), ', "p95": ', wrk_ms(latency:percentile(95)),
      ', "p99": ', wrk_ms(latency:percentile(99)), ', "max": ', wrk_ms(latency.max), '}',
      "}\n")
end
