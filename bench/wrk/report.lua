-- Shared by the wrk scripts of bench/http.py: one machine-readable line at the end of a run.
-- wrk's own summary rounds and changes units; this line keeps microseconds and raw counts.
function report(summary, latency, extra)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "mean_us": %.1f, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "status_errors": %d%s}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, extra or ""))
end
