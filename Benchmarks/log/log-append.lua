-- wrk script: POSTs pre-generated hashedRekordRequestV002 bodies to /api/v2/log/entries.
-- The bodies file (one JSON per line, from log-entries.py) is named by the environment variable
-- LOG_BODIES. Thread t of n (n from the environment variable LOG_THREADS, matching wrk's -t) sends
-- lines t, t+n, t+2n, ... so no body is sent twice until the file is exhausted (then bodies repeat
-- and are answered as duplicates: make the file large enough; log.sh checks the tree size).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  for line in io.lines(os.getenv("LOG_BODIES")) do bodies[#bodies + 1] = line end
  nthreads = tonumber(os.getenv("LOG_THREADS") or "2")
  position = id
  non201 = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[(position % #bodies) + 1]
  position = position + nthreads
  return wrk.format("POST", "/api/v2/log/entries", nil, body)
end

function response(status, headers, body)
  if status ~= 201 then non201 = non201 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non201") end
  io.write(string.format("non-201 answers: %d\n", bad))
end
