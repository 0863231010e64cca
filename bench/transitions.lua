-- wrk script: each request moves one of the prepared incidents between In Progress and
-- Monitoring. Keys come from the KEYS environment variable ("INC-1,INC-2,..."); each wrk
-- thread takes its own share, so no incident is moved by two threads at once.
local keys = {}
local state = {}
local thread_index = 0
local next_thread = 0

function setup(thread)
  thread:set("index", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  thread_index = index
  local threads = tonumber(os.getenv("THREADS") or "1")
  local n = 0
  for key in string.gmatch(os.getenv("KEYS"), "[^,]+") do
    if n % threads == thread_index then
      table.insert(keys, key)
      state[key] = "Monitoring"
    end
    n = n + 1
  end
  counter = 0
end

function request()
  counter = counter + 1
  local key = keys[(counter % #keys) + 1]
  local name = state[key]
  state[key] = (name == "Monitoring") and "In Progress" or "Monitoring"
  local body = '{"name":"' .. name .. '"}'
  return wrk.format("POST", "/api/v1/incidents/" .. key .. "/transitions",
    { ["Authorization"] = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors_seen = (errors_seen or 0) + 1
  end
end
