-- GET /bench/ping: the framework's ceiling.
package.path = "bench/lua/?.lua;" .. package.path
local common = require("common")
setup, init, done = common.setup, common.init, common.done

request = function()
  return wrk.format("GET", "/bench/ping")
end
