-- POST /v1/user/{userId}/offer/{offerId}/redeem (1 point, unlimited stock) for a random
-- seeded user, with an Idempotency-Key.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
setup, init, done = common.setup, common.init, common.done

request = function()
  local path = "/v1/user/" .. common.user() .. "/offer/" .. offer .. "/redeem"
  return wrk.format("POST", path, common.headers(true), "{}")
end
