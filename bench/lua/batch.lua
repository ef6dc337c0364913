-- POST /v1/event/batch with 100 events for random seeded users (events/s = 100 x req/s).
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
setup, init, done = common.setup, common.init, common.done

request = function()
  local items = {}
  for i = 1, 100 do
    items[i] = '{"eventId": "bench_event", "userId": "' .. common.user() .. '"}'
  end
  local body = '{"events": [' .. table.concat(items, ",") .. ']}'
  return wrk.format("POST", "/v1/event/batch", common.headers(true), body)
end
