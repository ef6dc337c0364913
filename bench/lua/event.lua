-- POST /v1/event (a FIX rule, no cap) for a random seeded user, with an Idempotency-Key.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
setup, init, done = common.setup, common.init, common.done

request = function()
  local body = '{"eventId": "bench_event", "userId": "' .. common.user() .. '"}'
  return wrk.format("POST", "/v1/event", common.headers(true), body)
end
