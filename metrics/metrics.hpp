#pragma once
// metrics: the process's Prometheus metrics (docs/operations.md, "Monitor"). Owns every counter, gauge and
// histogram the modules count into, their names and help texts (catalog.cpp), the process_* metrics read from
// /proc (process.cpp) and the text exposition format (exposition.hpp). Depends on nothing of the project, and
// neither Beast nor Asio: storage, ai and every gateway module may count.
//
// Counting never takes a lock: each thread counts into a shard of its own (shard.hpp; an event loop, the storage
// loop and each assistant worker are one thread each), written only by that thread with relaxed atomics; a scrape
// sums the shards. Each event is counted where it is decided (the close of a connection in the transport, a send's
// outcome in the core, a batch in the writer), once.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/shard.hpp"

namespace techpulse::metrics {

// Why a WebSocket connection ended (techpulse_connections_closed_total{reason}).
enum class CloseReason : uint8_t {
  normal,         // the client closed it (close frame)
  slow_consumer,  // its outbound queue stayed over the bounds
  rate_limited,   // reserved: the gateway answers rate_limited without closing, so this stays 0
  unauthorized,   // the token expired without renewal, or the profile was removed
  idle,           // no frame and no pong for two heartbeats
  too_large,      // a frame over --max-frame-bytes (close 1009)
  shutdown,       // the drain of a SIGTERM
  error,          // a broken connection or a protocol violation (binary frame, bad framing)
};
inline constexpr size_t kCloseReasons = 8;
std::string_view to_string(CloseReason r);

// What became of a send (techpulse_sends_total{outcome}).
enum class SendOutcome : uint8_t { ok, duplicate, forbidden, not_found, invalid, unavailable, rate_limited, internal };
inline constexpr size_t kSendOutcomes = 8;
std::string_view to_string(SendOutcome o);

enum class TopicKind : uint8_t { thread, ticket, user, queue };
inline constexpr size_t kTopicKinds = 4;
std::string_view to_string(TopicKind k);

// The HTTP statuses an upgrade is refused with (techpulse_http_upgrades_refused_total{status}); others: "other".
inline constexpr int kRefusalStatuses[] = {400, 401, 403, 404, 426, 503};
inline constexpr size_t kRefusalSlots = 7;

// How an assistant turn failed (techpulse_assistant_provider_errors_total{code}, the assistant.error codes).
enum class ProviderError : uint8_t { provider_error, timeout };
inline constexpr size_t kProviderErrors = 2;
std::string_view to_string(ProviderError e);

// The reads that admit a connection and set up a subscription, coalesced (gateway/realtime/coalesced_reads.hpp):
// techpulse_coalesced_requests_total{read} and techpulse_coalesced_statements_total{read}.
enum class CoalescedRead : uint8_t { profile, access, replay, turn };
inline constexpr size_t kCoalescedReads = 4;
std::string_view to_string(CoalescedRead r);

// The slots of a shard: counters and gauges, each family's labels contiguous.
namespace slot {
inline constexpr size_t connections_opened = 0;
inline constexpr size_t connections_closed = 1;                                     // + CloseReason
inline constexpr size_t upgrades_refused = connections_closed + kCloseReasons;      // + refusal slot
inline constexpr size_t subscribes = upgrades_refused + kRefusalSlots;              // + TopicKind
inline constexpr size_t subscriptions = subscribes + kTopicKinds;                   // gauge, + TopicKind
inline constexpr size_t frames_in = subscriptions + kTopicKinds;
inline constexpr size_t bytes_in = frames_in + 1;
inline constexpr size_t frames_out = bytes_in + 1;
inline constexpr size_t bytes_out = frames_out + 1;
inline constexpr size_t sends = bytes_out + 1;                                       // + SendOutcome
inline constexpr size_t db_pool_in_use = sends + kSendOutcomes;                      // gauge
inline constexpr size_t db_pool_waiting = db_pool_in_use + 1;                        // gauge
inline constexpr size_t listener_reconnects = db_pool_waiting + 1;
inline constexpr size_t catchup_rows = listener_reconnects + 1;
inline constexpr size_t provider_errors = catchup_rows + 1;                          // + ProviderError
inline constexpr size_t coalesced_requests = provider_errors + kProviderErrors;    // + CoalescedRead
inline constexpr size_t coalesced_statements = coalesced_requests + kCoalescedReads;  // + CoalescedRead
inline constexpr size_t admission_queue = coalesced_statements + kCoalescedReads;     // gauge
inline constexpr size_t admissions_refused = admission_queue + 1;
inline constexpr size_t count = admissions_refused + 1;
}  // namespace slot
static_assert(slot::count <= kSlots, "metrics/shard.hpp: raise kSlots");

// The histograms and their bucket bounds (catalog.cpp).
enum class Hist : uint8_t {
  send_ack_seconds,           // a send frame handed to the core -> its ack or error
  fanout_seconds,             // a NOTIFY received -> its frame queued on a loop (per loop)
  db_batch_size,              // messages in one writer INSERT
  assistant_first_delta_seconds,  // the user's message committed -> the turn's first assistant.delta published
  assistant_turn_seconds,     // the user's message committed -> the turn's end (done, error or cancel)
};
inline constexpr size_t kHistogramCount = 5;
static_assert(kHistogramCount <= kHistograms, "metrics/shard.hpp: raise kHistograms");

// ---- counting (lock-free; see shard.hpp) ----
inline void connection_opened() { local().add(slot::connections_opened); }
inline void connection_closed(CloseReason r) { local().add(slot::connections_closed + static_cast<size_t>(r)); }
void upgrade_refused(int http_status);
inline void subscribed(TopicKind k) { local().add(slot::subscribes + static_cast<size_t>(k)); }
// A subscription entered (+1) or left (-1) a loop's hub.
inline void subscriptions(TopicKind k, int64_t delta) { local().add(slot::subscriptions + static_cast<size_t>(k), delta); }
inline void frame_in(size_t bytes) {
  auto& s = local();
  s.add(slot::frames_in);
  s.add(slot::bytes_in, static_cast<int64_t>(bytes));
}
inline void frame_out(size_t bytes, size_t frames = 1) {
  auto& s = local();
  s.add(slot::frames_out, static_cast<int64_t>(frames));
  s.add(slot::bytes_out, static_cast<int64_t>(bytes));
}
inline void send(SendOutcome o) { local().add(slot::sends + static_cast<size_t>(o)); }
inline void pool_in_use(int64_t delta) { local().add(slot::db_pool_in_use, delta); }
inline void pool_waiting(int64_t delta) { local().add(slot::db_pool_waiting, delta); }
inline void listener_reconnect() { local().add(slot::listener_reconnects); }
inline void catchup_rows(int64_t n) { local().add(slot::catchup_rows, n); }
inline void provider_error(ProviderError e) { local().add(slot::provider_errors + static_cast<size_t>(e)); }
// A coalesced read was requested; a statement ran for one or more such requests.
inline void coalesced_request(CoalescedRead r) { local().add(slot::coalesced_requests + static_cast<size_t>(r)); }
inline void coalesced_statement(CoalescedRead r) { local().add(slot::coalesced_statements + static_cast<size_t>(r)); }
// Connections waiting for their profile read to start (+1 / -1); one refused because that queue was full.
inline void admission_queue(int64_t delta) { local().add(slot::admission_queue, delta); }
inline void admission_refused() { local().add(slot::admissions_refused); }
void observe(Hist h, double value);
// A failed database request: by the class (first two characters) of its SQLSTATE; none: no SQLSTATE (the
// connection was lost, the deadline passed). Rare, so a global array of atomics, not per shard.
void db_error(std::string_view sqlstate);

// ---- scraping ----
struct ScrapeExtras {
  std::optional<int64_t> assistant_queue_depth;  // queued assistant jobs (read from the database at the scrape)
};
// The whole exposition: every family of the catalog with the shards summed, then the process_* metrics.
std::string scrape(const ScrapeExtras& extras = {});

}  // namespace techpulse::metrics
