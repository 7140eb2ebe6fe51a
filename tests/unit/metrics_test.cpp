// metrics/: the text exposition (exact output), the per-thread shards summed at a scrape, histogram buckets.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "metrics/exposition.hpp"
#include "metrics/metrics.hpp"

using namespace techpulse::metrics;

namespace {

// The value of the sample line that starts with `series` (name and labels exactly as rendered); NaN when absent.
double sample_value(const std::string& text, const std::string& series) {
  size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      auto end = text.find('\n', pos);
      return std::stod(text.substr(pos + series.size() + 1, end - pos - series.size() - 1));
    }
    pos += series.size();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

TEST_CASE("a counter and a gauge render with HELP, TYPE and escaped labels", "[metrics]") {
  Exposition e;
  e.family("demo_requests_total", "counter", "Requests.\nSecond line with a \\ backslash.");
  e.sample("demo_requests_total", {{"path", "/a\"b\\c\nd"}, {"code", "200"}}, 3);
  e.family("demo_temperature", "gauge", "A gauge.");
  e.sample("demo_temperature", {}, -1.5);
  CHECK(e.text() ==
        "# HELP demo_requests_total Requests.\\nSecond line with a \\\\ backslash.\n"
        "# TYPE demo_requests_total counter\n"
        "demo_requests_total{path=\"/a\\\"b\\\\c\\nd\",code=\"200\"} 3\n"
        "# HELP demo_temperature A gauge.\n"
        "# TYPE demo_temperature gauge\n"
        "demo_temperature -1.5\n");
}

TEST_CASE("a histogram renders cumulative buckets up to +Inf, then _sum and _count", "[metrics]") {
  Exposition e;
  e.family("demo_seconds", "histogram", "Latency.");
  // 1 observation <= 0.1, 2 in (0.1, 1], 0 in (1, 10], 4 above 10.
  e.histogram("demo_seconds", {{"loop", "0"}}, {0.1, 1, 10}, {1, 2, 0, 4}, 55.25);
  CHECK(e.text() ==
        "# HELP demo_seconds Latency.\n"
        "# TYPE demo_seconds histogram\n"
        "demo_seconds_bucket{loop=\"0\",le=\"0.1\"} 1\n"
        "demo_seconds_bucket{loop=\"0\",le=\"1\"} 3\n"
        "demo_seconds_bucket{loop=\"0\",le=\"10\"} 3\n"
        "demo_seconds_bucket{loop=\"0\",le=\"+Inf\"} 7\n"
        "demo_seconds_sum{loop=\"0\"} 55.25\n"
        "demo_seconds_count{loop=\"0\"} 7\n");
}

TEST_CASE("sample values: integers without a fraction, shortest decimals, infinities and NaN", "[metrics]") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(42) == "42");
  CHECK(format_value(1e12) == "1000000000000");
  CHECK(format_value(0.005) == "0.005");
  CHECK(format_value(0.1 + 0.2) == "0.30000000000000004");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(format_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
}

TEST_CASE("counts from many threads, each in its own shard, are summed exactly at a scrape", "[metrics]") {
  const auto before = scrape();
  const double ok0 = sample_value(before, "techpulse_sends_total{outcome=\"ok\"}");
  const double out0 = sample_value(before, "techpulse_frames_out_total");
  const double bytes0 = sample_value(before, "techpulse_bytes_out_total");
  const double subs0 = sample_value(before, "techpulse_subscriptions{kind=\"ticket\"}");
  const size_t shards0 = shard_count();
  constexpr int kThreads = 4, kEach = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < kEach; ++i) {
        send(SendOutcome::ok);
        frame_out(10);
      }
      subscriptions(TopicKind::ticket, +3);
      subscriptions(TopicKind::ticket, -1);
    });
  }
  for (auto& t : threads) t.join();
  // The threads have ended; their counts stay.
  const auto after = scrape();
  CHECK(shard_count() == shards0 + kThreads);
  CHECK(sample_value(after, "techpulse_sends_total{outcome=\"ok\"}") - ok0 == kThreads * kEach);
  CHECK(sample_value(after, "techpulse_frames_out_total") - out0 == kThreads * kEach);
  CHECK(sample_value(after, "techpulse_bytes_out_total") - bytes0 == 10.0 * kThreads * kEach);
  CHECK(sample_value(after, "techpulse_subscriptions{kind=\"ticket\"}") - subs0 == 2 * kThreads);
}

TEST_CASE("an observation equal to a bound falls in that bound's bucket", "[metrics]") {
  auto bucket = [](const std::string& text, const std::string& le) {
    return sample_value(text, "techpulse_db_writer_batch_size_bucket{le=\"" + le + "\"}");
  };
  const auto before = scrape();
  std::thread([] {
    observe(Hist::db_batch_size, 1);
    observe(Hist::db_batch_size, 2);
    observe(Hist::db_batch_size, 3);
    observe(Hist::db_batch_size, 5000);  // past the last bound: only +Inf
  }).join();
  const auto after = scrape();
  CHECK(bucket(after, "1") - bucket(before, "1") == 1);
  CHECK(bucket(after, "2") - bucket(before, "2") == 2);
  CHECK(bucket(after, "4") - bucket(before, "4") == 3);
  CHECK(bucket(after, "4096") - bucket(before, "4096") == 3);
  CHECK(bucket(after, "+Inf") - bucket(before, "+Inf") == 4);
  CHECK(sample_value(after, "techpulse_db_writer_batch_size_count") -
            sample_value(before, "techpulse_db_writer_batch_size_count") == 4);
  CHECK(sample_value(after, "techpulse_db_writer_batch_size_sum") -
            sample_value(before, "techpulse_db_writer_batch_size_sum") == 5006);
}

TEST_CASE("database errors are counted by SQLSTATE class; none without one", "[metrics]") {
  const auto before = scrape();
  db_error("23505");
  db_error("23503");
  db_error("40001");
  db_error("");
  db_error("x");
  const auto after = scrape();
  auto d = [&](const std::string& cls) {
    auto series = "techpulse_db_errors_total{class=\"" + cls + "\"}";
    double b = sample_value(before, series);
    return sample_value(after, series) - (std::isnan(b) ? 0 : b);
  };
  CHECK(d("23") == 2);
  CHECK(d("40") == 1);
  CHECK(d("none") == 2);
}

TEST_CASE("connections open is opened minus closed; an upgrade refusal is counted by status", "[metrics]") {
  const auto before = scrape();
  connection_opened();
  connection_opened();
  connection_closed(CloseReason::slow_consumer);
  upgrade_refused(401);
  upgrade_refused(418);  // not one of the listed statuses: "other"
  const auto after = scrape();
  auto d = [&](const std::string& series) { return sample_value(after, series) - sample_value(before, series); };
  CHECK(d("techpulse_connections_open") == 1);
  CHECK(d("techpulse_connections_opened_total") == 2);
  CHECK(d("techpulse_connections_closed_total{reason=\"slow_consumer\"}") == 1);
  CHECK(d("techpulse_http_upgrades_refused_total{status=\"401\"}") == 1);
  CHECK(d("techpulse_http_upgrades_refused_total{status=\"other\"}") == 1);
  CHECK(after.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(sample_value(after, "process_resident_memory_bytes") > 0);
}
