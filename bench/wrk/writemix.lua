-- The write mix: every connection walks its own wishes through post -> claim -> fulfil ->
-- confirm, as its own resident and party member. Run with as many threads as connections
-- (-t32 -c32): wrk keeps Lua state per thread, so one connection per thread makes the state
-- machine per connection. BENCH_WRITE_TOKENS names a file of "resident_token member_token"
-- lines, one per connection.
dofile("bench/wrk/report.lua")

local pairs_loaded = {}
local threads = {}

function setup(thread)
  if #pairs_loaded == 0 then
    for line in io.lines(os.getenv("BENCH_WRITE_TOKENS")) do
      local resident, member = line:match("^(%S+)%s+(%S+)$")
      table.insert(pairs_loaded, { resident, member })
    end
  end
  local pair = pairs_loaded[#threads % #pairs_loaded + 1]
  thread:set("resident", pair[1])
  thread:set("member", pair[2])
  table.insert(threads, thread)
end

local POST_BODY = '{"title": "帮忙取降压药", "description": "腿脚不便，想请人去社区卫生站帮忙取药。", ' ..
  '"category": "errand", "address": "基准小区3号楼2单元501", "contact_phone": "13812341234"}'
local step, wish = 1, nil
loops, failures = 0, 0

local function post(path, token, body)
  local headers = { ["Authorization"] = "Bearer " .. token }
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format("POST", path, headers, body)
end

function request()
  if step == 1 then
    return post("/api/v1/wishes", resident, POST_BODY)
  elseif step == 2 then
    return post("/api/v1/wishes/" .. wish .. "/claim", member, nil)
  elseif step == 3 then
    return post("/api/v1/wishes/" .. wish .. "/fulfil", member, '{"note": "药已送到家中。"}')
  end
  return post("/api/v1/wishes/" .. wish .. "/confirm", resident, '{"stars": 5}')
end

function response(status, headers, body)
  local expected = step == 1 and 201 or 200
  if status ~= expected then
    failures = failures + 1
    step = 1
    return
  end
  if step == 1 then
    wish = body:match('^{"id":%s*(%d+)')
    step = wish and 2 or 1
  elseif step == 4 then
    loops = loops + 1
    step = 1
  else
    step = step + 1
  end
end

function done(summary, latency, requests)
  local total_loops, total_failures = 0, 0
  for _, thread in ipairs(threads) do
    total_loops = total_loops + thread:get("loops")
    total_failures = total_failures + thread:get("failures")
  end
  report(summary, latency, string.format(', "loops": %d, "failures": %d', total_loops, total_failures))
end
