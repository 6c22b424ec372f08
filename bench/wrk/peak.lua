-- The peak mix of bench/http.py: a party-day morning. Run with as many threads as connections
-- (-t32 -c32): wrk keeps Lua state per thread, so each connection has its own state machine.
--
-- Every request picks its kind by weighted chance (BENCH_MIX, e.g.
-- "feed=40,next=15,detail=25,me=10,inbox=10,write=10"):
--   feed    GET /api/v1/wishes?grid_id=…&status=open&limit=20 as one of BENCH_READERS' people
--           ("grid_id token" lines), mostly of their own grid, sometimes of another's;
--   next    the next page of a feed this connection read (its next_cursor), as the same person;
--   detail  GET /api/v1/wishes/{id} of a wish a feed page showed (only seeded wishes, ids up to
--           BENCH_MAX_SEEDED_ID, which nobody changes during the run: no legitimate 404);
--   me      GET /api/v1/me;
--   inbox   GET /api/v1/notifications, as a reader or as this connection's writers;
--   write   the next step of this connection's own wish: post (resident) -> review approve
--           (grid worker; only when the post answered pending_review: review is on for part of
--           the communities) -> claim (party member) -> fulfil -> confirm (resident). Each
--           connection's team is a line of BENCH_TEAMS ("grid_id resident member worker
--           activity_id reward_id"), in a grid of its own, so no two writers race for a wish
--           and every write should succeed;
--   signup  the team's member signs up to the grid's activity (201), or, when signed up,
--           withdraws (DELETE, 200), turn about;
--   redeem  the team's member buys one of the grid's rewards with points (201).
-- Without BENCH_TEAMS, "write", "signup" and "redeem" read a feed instead.
dofile("bench/wrk/report.lua")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

local POST_BODY = '{"title": "帮忙取降压药", "description": "腿脚不便，想请人去社区卫生站帮忙取药。", ' ..
  '"category": "errand", "address": "基准小区3号楼2单元501", "contact_phone": "13812341234"}'
local RING = 200

local function lines_of(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then table.insert(found, line) end
  end
  return found
end

function init(args)
  math.randomseed(number * 7919 + os.time())
  readers = {}
  for _, line in ipairs(lines_of(os.getenv("BENCH_READERS"))) do
    local grid, token = line:match("^(%d+)%s+(%S+)$")
    table.insert(readers, { grid = grid, token = token })
  end
  local teams_file = os.getenv("BENCH_TEAMS")
  if teams_file and teams_file ~= "" then
    local teams = lines_of(teams_file)
    local grid, resident, member, worker, activity, reward =
      teams[(number - 1) % #teams + 1]:match("^(%d+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%d+)%s+(%d+)$")
    team = { grid = grid, resident = resident, member = member, worker = worker, activity = activity, reward = reward }
  end
  choices, total_weight = {}, 0
  for name, weight in os.getenv("BENCH_MIX"):gmatch("(%a+)=(%d+)") do
    total_weight = total_weight + tonumber(weight)
    table.insert(choices, { name = name, upto = total_weight })
  end
  max_seeded = tonumber(os.getenv("BENCH_MAX_SEEDED_ID") or "0")
  pages, wish_ids = {}, {}
  step, wish = "post", nil
  signed_up = false
  counts, failed = {}, {}
  loops = 0
end

local function choose()
  local roll = math.random() * total_weight
  for _, choice in ipairs(choices) do
    if roll < choice.upto then return choice.name end
  end
  return choices[#choices].name
end

local function reader()
  return readers[math.random(#readers)]
end

local function get(path, token)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

local function post(path, token, body)
  local headers = { ["Authorization"] = "Bearer " .. token }
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format("POST", path, headers, body)
end

local function feed_path(grid, cursor)
  local path = "/api/v1/wishes?grid_id=" .. grid .. "&status=open&limit=20"
  if cursor then path = path .. "&cursor=" .. cursor end
  return path
end

local function write_request()
  local path = "/api/v1/wishes/" .. (wish or "")
  if step == "post" then
    return post("/api/v1/wishes", team.resident, POST_BODY)
  elseif step == "review" then
    return post(path .. "/review", team.worker, '{"decision": "approve"}')
  elseif step == "claim" then
    return post(path .. "/claim", team.member, nil)
  elseif step == "fulfil" then
    return post(path .. "/fulfil", team.member, '{"note": "药已送到家中。"}')
  end
  return post(path .. "/confirm", team.resident, '{"stars": 5}')
end

-- What each kind of request should answer; any other status is a failure.
local EXPECTED = { post = 201, signup = 201, redeem = 201 }

function request()
  local kind = choose()
  if (kind == "write" or kind == "signup" or kind == "redeem") and not team then kind = "feed" end
  if kind == "next" and #pages == 0 then kind = "feed" end
  if kind == "detail" and #wish_ids == 0 then kind = "feed" end
  if kind == "write" then
    current = step
    return write_request()
  elseif kind == "signup" then
    local path = "/api/v1/activities/" .. team.activity .. "/signup"
    if signed_up then
      current = "withdraw"
      return wrk.format("DELETE", path, { ["Authorization"] = "Bearer " .. team.member })
    end
    current = "signup"
    return post(path, team.member, nil)
  elseif kind == "redeem" then
    current = "redeem"
    return post("/api/v1/rewards/" .. team.reward .. "/redeem", team.member, nil)
  end
  current = kind
  if kind == "feed" then
    local person = reader()
    local grid = person.grid
    if math.random() < 0.2 then grid = reader().grid end
    asked = { grid = grid, token = person.token }
    return get(feed_path(grid), person.token)
  elseif kind == "next" then
    local n = math.random(#pages)
    asked = pages[n]
    pages[n] = pages[#pages]
    pages[#pages] = nil
    return get(feed_path(asked.grid, asked.cursor), asked.token)
  elseif kind == "detail" then
    return get("/api/v1/wishes/" .. wish_ids[math.random(#wish_ids)], reader().token)
  elseif kind == "me" then
    return get("/api/v1/me", reader().token)
  end
  local token = reader().token
  if team and math.random() < 0.5 then
    local mine = { team.resident, team.member, team.worker }
    token = mine[math.random(3)]
  end
  return get("/api/v1/notifications?limit=20", token)
end

local function remember(list, value, size)
  if #list < size then
    table.insert(list, value)
  else
    list[math.random(size)] = value
  end
end

local NEXT_STEP = { review = "claim", claim = "fulfil", fulfil = "confirm" }

function response(status, headers, body)
  counts[current] = (counts[current] or 0) + 1
  local expected = EXPECTED[current] or 200
  -- A sign-up answers 200 when the member holds one already (left by an earlier run of the mix).
  if current == "signup" and status == 200 then status = expected end
  if status ~= expected then
    failed[current] = (failed[current] or 0) + 1
    if NEXT_STEP[current] or current == "post" or current == "confirm" then step, wish = "post", nil end
    return
  end
  if current == "feed" or current == "next" then
    local cursor = body:match('"next_cursor":%s*"([^"]+)"')
    if cursor then remember(pages, { grid = asked.grid, token = asked.token, cursor = cursor }, 64) end
    for id in body:gmatch('"id":%s*(%d+)') do
      if tonumber(id) <= max_seeded then remember(wish_ids, id, RING) end
    end
  elseif current == "post" then
    wish = body:match('^{"id":%s*(%d+)')
    local state = body:match('"status":%s*"([%a_]+)"')
    if not wish then
      step = "post"
    elseif state == "pending_review" then
      step = "review"
    else
      step = "claim"
    end
  elseif NEXT_STEP[current] then
    step = NEXT_STEP[current]
  elseif current == "confirm" then
    loops = loops + 1
    step, wish = "post", nil
  elseif current == "signup" then
    signed_up = true
  elseif current == "withdraw" then
    signed_up = false
  end
end

function done(summary, latency, requests)
  local total_counts, total_failed, total_loops = {}, {}, 0
  for _, thread in ipairs(threads) do
    for kind, count in pairs(thread:get("counts")) do total_counts[kind] = (total_counts[kind] or 0) + count end
    for kind, count in pairs(thread:get("failed")) do total_failed[kind] = (total_failed[kind] or 0) + count end
    total_loops = total_loops + thread:get("loops")
  end
  local parts = {}
  for kind, count in pairs(total_counts) do
    table.insert(parts, string.format('"%s": [%d, %d]', kind, count, total_failed[kind] or 0))
  end
  report(summary, latency, string.format(', "loops": %d, "kinds": {%s}', total_loops, table.concat(parts, ", ")))
end
