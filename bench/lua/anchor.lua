-- POST /bench/anchor/{userId}/{offerId}/redeem: the minimal correct redemption (bench/app.py).
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
setup, init, done = common.setup, common.init, common.done

request = function()
  local path = "/bench/anchor/" .. common.user() .. "/" .. offer .. "/redeem"
  return wrk.format("POST", path, common.headers(false), "{}")
end
