-- One request over and over: a GET, or a POST of a JSON body with an API key when given both.
--   wrk -s bench/wrk/request.lua URL [-- BODY_FILE API_KEY]
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

function init(args)
  if args[1] then
    local file = assert(io.open(args[1], "rb"))
    wrk.body = file:read("*a")
    file:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end
