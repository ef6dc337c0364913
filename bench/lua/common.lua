-- Shared by the scenarios: per-thread ids, random users, unique Idempotency-Keys, and a
-- JSON summary on stdout that bench/run.py reads.
local common = {}
local threads = 0

function common.setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function common.init(args)
  api_key = args[1]
  users = tonumber(args[2])
  offer = args[3]
  sequence = 0
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function common.user()
  return "bench-" .. math.random(1, users)
end

function common.idempotency_key()
  sequence = sequence + 1
  return string.format("bench-%d-%d-%d", thread_id or 0, sequence, math.random(1, 1000000000))
end

function common.headers(write)
  local headers = { ["x-api-key"] = api_key, ["Accept"] = "application/json" }
  if write then
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = common.idempotency_key()
  end
  return headers
end

function common.done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end

return common
