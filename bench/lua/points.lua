-- GET /v1/user/{userId}/points for a random seeded user.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
setup, init, done = common.setup, common.init, common.done

request = function()
  return wrk.format("GET", "/v1/user/" .. common.user() .. "/points", common.headers(false))
end
