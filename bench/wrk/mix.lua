-- The memory run's traffic. Of every 10 requests: 8 POST a request already in the cache, 1 POSTs a
-- new one (a member id never sent before; answered 202 and worked on by the Celery worker) and 1 GETs
-- the latest new one by id. Each thread stops after QUOTA responses and says so on standard output.
--   wrk -s bench/wrk/mix.lua URL -- CACHED_BODY_FILE NEW_BODY_TEMPLATE_FILE API_KEY QUOTA PHASE
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local count = 0

function setup(thread)
  count = count + 1
  thread:set("tag", count)
end

local function read(path)
  local file = assert(io.open(path, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

function init(args)
  template = read(args[2])
  quota = tonumber(args[4])
  phase = args[5]
  post_headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[3]}
  get_headers = {["Authorization"] = "Bearer " .. args[3]}
  cached_request = wrk.format("POST", wrk.path, post_headers, read(args[1]))
  sent, received, latest = 0, 0, nil
end

function request()
  sent = sent + 1
  local slot = sent % 10
  if slot == 0 then
    local body = (template:gsub("__MEMBER__", "M" .. phase .. "T" .. tag .. "N" .. sent))
    return wrk.format("POST", wrk.path, post_headers, body)
  elseif slot == 5 and latest then
    return wrk.format("GET", wrk.path .. "/" .. latest, get_headers)
  end
  return cached_request
end

function response(status, headers, body)
  received = received + 1
  if status == 202 then
    latest = body:match('"id":"([%x%-]+)"')
  end
  if received == quota then
    io.write("THREAD-DONE\n")
    io.flush()
    wrk.thread:stop()
  end
end
