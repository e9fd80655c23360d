-- wrk script: POSTs pre-generated hashedRekordRequestV002 bodies to /api/v2/log/entries.
-- The bodies file (one JSON per line, from log-entries.py) is named by the environment variable
-- LOG_BODIES. Thread t of n (n from the environment variable LOG_THREADS, matching wrk's -t) sends
-- lines t, t+n, t+2n, ... so no body is sent twice until the file is exhausted (then bodies repeat
-- and are answered as duplicates: make the file large enough; log.sh checks the tree size).
--
-- Each thread formats its requests once, in init, and defines no response() callback: a Lua
-- callback per response makes wrk parse every answer into Lua, which cost the load generator
-- about 0.45 of a core at 5,500 requests/s on this 2-core machine, taken from the server under
-- test. Answers are checked by wrk's own count of non-2xx/3xx responses ("Non-2xx or 3xx
-- responses", printed only when there are some) and by log.sh's tree-size check, which shows
-- that every completed request added a new entry.
local counter = 0

function setup(thread)
  thread:set("thread_number", counter)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("LOG_THREADS") or "2")
  requests = {}
  local index = 0
  for line in io.lines(os.getenv("LOG_BODIES")) do
    if index % nthreads == thread_number then
      requests[#requests + 1] = wrk.format("POST", "/api/v2/log/entries", { ["Content-Type"] = "application/json" }, line)
    end
    index = index + 1
  end
  position = 0
end

function request()
  position = position + 1
  if position > #requests then position = 1 end
  return requests[position]
end
