-- One GET, as the resident whose token is in BENCH_TOKEN (none for the ceiling).
dofile("bench/wrk/report.lua")

local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

function done(summary, latency, requests)
  report(summary, latency)
end
