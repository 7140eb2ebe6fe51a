// The catalog: every family's name, type, help text, labels and bucket bounds, and the scrape that renders the
// summed shards with them (docs/operations.md, "Monitor", lists the same).
#include <fmt/format.h>

#include <array>
#include <atomic>

#include "metrics/exposition.hpp"
#include "metrics/metrics.hpp"
#include "metrics/process.hpp"

namespace techpulse::metrics {

std::string_view to_string(CloseReason r) {
  static constexpr std::array<std::string_view, kCloseReasons> names = {
      "normal", "slow_consumer", "rate_limited", "unauthorized", "idle", "too_large", "shutdown", "error"};
  return names[static_cast<size_t>(r)];
}

std::string_view to_string(SendOutcome o) {
  static constexpr std::array<std::string_view, kSendOutcomes> names = {
      "ok", "duplicate", "forbidden", "not_found", "invalid", "unavailable", "rate_limited", "internal"};
  return names[static_cast<size_t>(o)];
}

std::string_view to_string(TopicKind k) {
  static constexpr std::array<std::string_view, kTopicKinds> names = {"thread", "ticket", "user", "queue"};
  return names[static_cast<size_t>(k)];
}

std::string_view to_string(CoalescedRead r) {
  static constexpr std::array<std::string_view, kCoalescedReads> names = {"profile", "access", "replay", "turn"};
  return names[static_cast<size_t>(r)];
}

std::string_view to_string(ProviderError e) { return e == ProviderError::timeout ? "timeout" : "provider_error"; }

namespace {

struct HistogramSpec {
  std::string_view name;
  std::string_view help;
  std::vector<double> bounds;
};

const std::array<HistogramSpec, kHistogramCount>& histogram_specs() {
  static const std::array<HistogramSpec, kHistogramCount> specs = {{
      {"techpulse_send_ack_seconds", "Time from a send frame reaching the core to its ack (or error) being queued.",
       {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}},
      {"techpulse_fanout_latency_seconds",
       "Time from a tp_chat NOTIFY received by the listener to its frames queued on an event loop (one per loop).",
       {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}},
      {"techpulse_db_writer_batch_size", "Messages inserted by one writer statement.",
       {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}},
      {"techpulse_assistant_first_delta_seconds",
       "Time from the user's message committed to the assistant turn's first assistant.delta published.",
       {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}},
      {"techpulse_assistant_turn_seconds",
       "Time from the user's message committed to the end of its assistant turn (done, error or cancel).",
       {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}},
  }};
  return specs;
}

// SQLSTATE classes: two characters of [0-9A-Z]; the last slot is "none".
constexpr size_t kSqlClasses = 36 * 36 + 1;
std::array<std::atomic<uint64_t>, kSqlClasses>& db_errors() {
  static std::array<std::atomic<uint64_t>, kSqlClasses> a{};
  return a;
}
int sql_char(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return 10 + (c - 'A');
  return -1;
}
char sql_char_name(int i) { return static_cast<char>(i < 10 ? '0' + i : 'A' + (i - 10)); }

}  // namespace

void upgrade_refused(int http_status) {
  size_t i = 0;
  while (i < std::size(kRefusalStatuses) && kRefusalStatuses[i] != http_status) ++i;
  local().add(slot::upgrades_refused + i);  // i == size: "other"
}

void observe(Hist h, double value) {
  const auto& bounds = histogram_specs()[static_cast<size_t>(h)].bounds;
  size_t b = 0;
  while (b < bounds.size() && value > bounds[b]) ++b;
  local().observe(static_cast<size_t>(h), b, value);
}

void db_error(std::string_view sqlstate) {
  size_t i = kSqlClasses - 1;
  if (sqlstate.size() >= 2) {
    int a = sql_char(sqlstate[0]), b = sql_char(sqlstate[1]);
    if (a >= 0 && b >= 0) i = static_cast<size_t>(a * 36 + b);
  }
  db_errors()[i].fetch_add(1, std::memory_order_relaxed);
}

std::string scrape(const ScrapeExtras& extras) {
  const Totals t = sum_shards();
  auto at = [&](size_t s) { return static_cast<double>(t.slots[s]); };
  Exposition out;
  auto counter = [&](std::string_view name, std::string_view help, size_t s) {
    out.family(name, "counter", help);
    out.sample(name, {}, at(s));
  };
  auto gauge = [&](std::string_view name, std::string_view help, double v) {
    out.family(name, "gauge", help);
    out.sample(name, {}, v);
  };
  // A family with one label over the values of an enum.
  auto labelled = [&](std::string_view name, std::string_view type, std::string_view help, std::string_view label,
                      size_t first, size_t n, auto name_of) {
    out.family(name, type, help);
    for (size_t i = 0; i < n; ++i) out.sample(name, {{std::string(label), std::string(name_of(i))}}, at(first + i));
  };

  int64_t opened = t.slots[slot::connections_opened], closed = 0;
  for (size_t i = 0; i < kCloseReasons; ++i) closed += t.slots[slot::connections_closed + i];
  gauge("techpulse_connections_open", "WebSocket connections open now.", static_cast<double>(opened - closed));
  counter("techpulse_connections_opened_total", "WebSocket connections opened (upgrade completed).",
          slot::connections_opened);
  labelled("techpulse_connections_closed_total", "counter", "WebSocket connections closed, by reason.", "reason",
           slot::connections_closed, kCloseReasons, [](size_t i) { return to_string(static_cast<CloseReason>(i)); });
  labelled("techpulse_http_upgrades_refused_total", "counter",
           "WebSocket upgrade requests refused, by HTTP status (connection caps included).", "status",
           slot::upgrades_refused, kRefusalSlots, [](size_t i) {
             return i < std::size(kRefusalStatuses) ? std::to_string(kRefusalStatuses[i]) : std::string("other");
           });
  auto kind = [](size_t i) { return to_string(static_cast<TopicKind>(i)); };
  labelled("techpulse_subscriptions", "gauge", "Subscriptions held now (live or being set up), by topic kind.", "kind",
           slot::subscriptions, kTopicKinds, kind);
  labelled("techpulse_subscribes_total", "counter", "Subscribes answered subscribed, by topic kind.", "kind",
           slot::subscribes, kTopicKinds, kind);
  counter("techpulse_frames_in_total", "WebSocket messages received from clients.", slot::frames_in);
  counter("techpulse_bytes_in_total", "Payload bytes of the WebSocket messages received.", slot::bytes_in);
  counter("techpulse_frames_out_total", "WebSocket messages queued to clients (replies and events).", slot::frames_out);
  counter("techpulse_bytes_out_total", "Payload bytes of the WebSocket messages queued to clients.", slot::bytes_out);
  labelled("techpulse_sends_total", "counter", "Sends, by outcome.", "outcome", slot::sends, kSendOutcomes,
           [](size_t i) { return to_string(static_cast<SendOutcome>(i)); });
  gauge("techpulse_db_pool_in_use", "Pooled database connections lent out now.", at(slot::db_pool_in_use));
  gauge("techpulse_db_pool_waiting", "Requests waiting for a pooled database connection now.",
        at(slot::db_pool_waiting));
  out.family("techpulse_db_errors_total", "counter",
             "Failed database requests, by SQLSTATE class (none: the connection was lost or the deadline passed).");
  for (size_t i = 0; i + 1 < kSqlClasses; ++i) {
    auto n = db_errors()[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    std::string cls{sql_char_name(static_cast<int>(i / 36)), sql_char_name(static_cast<int>(i % 36))};
    out.sample("techpulse_db_errors_total", {{"class", cls}}, static_cast<double>(n));
  }
  out.sample("techpulse_db_errors_total", {{"class", "none"}},
             static_cast<double>(db_errors()[kSqlClasses - 1].load(std::memory_order_relaxed)));
  counter("techpulse_listener_reconnects_total", "Reconnections of the LISTEN connection (after a loss).",
          slot::listener_reconnects);
  counter("techpulse_listener_catchup_rows_total", "Rows read from the tables by the listener's catch-up after a reconnect.",
          slot::catchup_rows);
  out.family("techpulse_assistant_queue_depth", "gauge", "Assistant jobs queued in the database (all nodes).");
  if (extras.assistant_queue_depth) {
    out.sample("techpulse_assistant_queue_depth", {}, static_cast<double>(*extras.assistant_queue_depth));
  }
  labelled("techpulse_assistant_provider_errors_total", "counter",
           "Assistant turns of this node's workers that failed, by assistant.error code.", "code",
           slot::provider_errors, kProviderErrors, [](size_t i) { return to_string(static_cast<ProviderError>(i)); });
  auto read = [](size_t i) { return to_string(static_cast<CoalescedRead>(i)); };
  labelled("techpulse_coalesced_requests_total", "counter",
           "Reads requested by connection admissions and subscription set-ups (profile, access, replay page, assistant "
           "turn), by read.",
           "read", slot::coalesced_requests, kCoalescedReads, read);
  labelled("techpulse_coalesced_statements_total", "counter",
           "Statements run for those requests (requests / statements: how many shared one), by read.", "read",
           slot::coalesced_statements, kCoalescedReads, read);
  gauge("techpulse_admission_queue", "Connections waiting for their admission's profile read to start.",
        at(slot::admission_queue));
  counter("techpulse_admissions_refused_total",
          "Connections refused (HTTP 503) because --admission-queue connections were already waiting.",
          slot::admissions_refused);

  const auto& specs = histogram_specs();
  for (size_t h = 0; h < kHistogramCount; ++h) {
    const auto& spec = specs[h];
    const auto& data = t.histograms[h];
    out.family(spec.name, "histogram", spec.help);
    std::vector<uint64_t> buckets(data.buckets.begin(), data.buckets.begin() + spec.bounds.size() + 1);
    out.histogram(spec.name, {}, spec.bounds, buckets, data.sum);
  }
  append_process_metrics(out);
  return out.take();
}

}  // namespace techpulse::metrics
