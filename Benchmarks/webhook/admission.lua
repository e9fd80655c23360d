-- wrk script for Benchmarks/webhook.sh: POSTs a Kubernetes AdmissionReview v1 for a Pod to
-- `custody webhook serve` (https://HOST:PORT/validate?timeout=10s), as the API server would.
--
--     WEBHOOK_IMAGE=127.0.0.1:5000/bench/app:v1 \
--       wrk -t2 -c16 -d15s --latency -s Benchmarks/webhook/admission.lua 'https://127.0.0.1:8443/validate?timeout=10s'
--
-- The review is Benchmarks/webhook/pod-review.json (WEBHOOK_REVIEW overrides the path): a Pod
-- created by a ReplicaSet, with 3 containers that all name WEBHOOK_IMAGE (its "@IMAGE@"), about
-- 4 KiB, the shape of kubernetes/kubernetes staging/src/k8s.io/api/admission/v1/types.go.
-- (Benchmarks/webhook/pod8-review.json has 8 containers naming 8 images
-- @REGISTRY@/bench/app0:v1 … app7:v1; WEBHOOK_REGISTRY fills in "@REGISTRY@".) Every request
-- gets its own request.uid ("@UID@"): a UUID made of the wrk thread number and a per-thread
-- counter.
--
-- Errors counted, besides wrk's socket errors: answers that are not HTTP 200, answers whose body
-- lacks "allowed":true (a denial), and answers that do not echo a uid of this thread's requests.
-- `done` prints them, each thread's first wrong answer, and one machine-readable line for the
-- benchmark script:
--     ADMISSION requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N max_us=N non200=N denied=N uid_mismatch=N socket_errors=N errors=N

local review_path = os.getenv("WEBHOOK_REVIEW") or "Benchmarks/webhook/pod-review.json"
local file = assert(io.open(review_path, "rb"), "cannot open " .. review_path)
local template = file:read("*a")
file:close()
-- Plain (not pattern) substitution of the placeholders, then a split around the one @UID@.
local function replace_all(text, placeholder, value)
  local out, start = {}, 1
  while true do
    local i, j = text:find(placeholder, start, true)
    if not i then break end
    out[#out + 1] = text:sub(start, i - 1)
    out[#out + 1] = value
    start = j + 1
  end
  out[#out + 1] = text:sub(start)
  return table.concat(out)
end
for placeholder, variable in pairs({ ["@IMAGE@"] = "WEBHOOK_IMAGE", ["@REGISTRY@"] = "WEBHOOK_REGISTRY" }) do
  if template:find(placeholder, 1, true) then
    local value = os.getenv(variable)
    if value == nil or value == "" then error(review_path .. " has " .. placeholder .. ": set " .. variable) end
    template = replace_all(template, placeholder, value)
  end
end
local uid_at, uid_end = template:find("@UID@", 1, true)
assert(uid_at, review_path .. " has no @UID@")
local before_uid, after_uid = template:sub(1, uid_at - 1), template:sub(uid_end + 1)

-- Main state: remember the threads to sum their counts in `done`.
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

-- Thread states from here on.
function init(args)
  sent = 0
  non200 = 0
  denied = 0
  uid_mismatch = 0
  first_error = ""
  uid_prefix = string.format("%08x-", thread_number)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
end

function request()
  sent = sent + 1
  local uid = string.format("%08x-0000-4000-8000-%012x", thread_number, sent)
  return wrk.format(nil, nil, nil, before_uid .. uid .. after_uid)
end

function response(status, headers, body)
  local wrong = false
  if status ~= 200 then
    non200 = non200 + 1
    wrong = true
  elseif not body:find('"allowed":true', 1, true) then
    denied = denied + 1
    wrong = true
  elseif not body:find('"uid":"' .. uid_prefix, 1, true) then
    uid_mismatch = uid_mismatch + 1
    wrong = true
  end
  if wrong and first_error == "" then
    first_error = "HTTP " .. status .. ": " .. body:sub(1, 2000)
  end
end

function done(summary, latency, requests)
  local non200, denied, mismatch = 0, 0, 0
  for _, thread in ipairs(threads) do
    non200 = non200 + thread:get("non200")
    denied = denied + thread:get("denied")
    mismatch = mismatch + thread:get("uid_mismatch")
  end
  for i, thread in ipairs(threads) do
    local sample = thread:get("first_error")
    if sample ~= "" then io.write(string.format("thread %d, first wrong answer: %s\n", i, sample)) end
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local errors = non200 + denied + mismatch + socket
  local rps = summary.requests / (summary.duration / 1e6)
  io.write(string.format("admission answers: %d; not HTTP 200: %d; denied (no \"allowed\":true): %d; uid not echoed: %d; socket errors: %d (connect %d, read %d, write %d, timeout %d)\n",
    summary.requests, non200, denied, mismatch, socket, e.connect, e.read, e.write, e.timeout))
  io.write(string.format("ADMISSION requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non200=%d denied=%d uid_mismatch=%d socket_errors=%d errors=%d\n",
    summary.requests, summary.duration, rps, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    non200, denied, mismatch, socket, errors))
end
