// The turn runner: one claimed assistant turn on a worker, from assistant.start through retrieval, the provider's
// streamed deltas and the lease renewals to the final message (or the turn's failure or cancellation).
#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "ai/provider.hpp"
#include "ai/worker.hpp"
#include "metrics/metrics.hpp"
#include "protocol/events.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/uuid.hpp"

namespace techpulse::ai {

namespace {

// A turn may not run longer than this, whatever the provider does.
constexpr auto kMaxTurn = std::chrono::minutes(10);
constexpr size_t kMaxDeltaBytes = 1000;  // keeps every tp_assistant payload under PostgreSQL's 8000-byte limit

}  // namespace

asio::awaitable<void> Worker::end_turn(const storage::ClaimedJob& job, const storage::TurnInput& turn,
                                       const char* status, const char* code, const std::string& message) {
  const Millis qt{5000};
  const std::string st(status);
  auto ev = protocol::encode_assistant_error(turn.thread_id, job.id, code, message);
  auto r = co_await AssistantStore::end(conn, job, turn, st, message, ev, qt);
  if (!r.ok()) {
    log_line(Level::warn, "turn_end_failed", "worker={} job={} thread={} error={}", name, job.id, job.thread_id,
             quoted(r.error.message));
  }
  metrics::observe(metrics::Hist::assistant_turn_seconds, since_commit_s());
  if (st == "failed") {
    metrics::provider_error(std::string_view(code) == "timeout" ? metrics::ProviderError::timeout
                                                               : metrics::ProviderError::provider_error);
  }
  log_line(st == "cancelled" ? Level::info : Level::warn, st == "cancelled" ? "turn_cancelled" : "turn_failed",
           "worker={} job={} thread={} code={} reason={}", name, job.id, turn.thread_id, code, quoted(message));
}

// g++ 12 warns -Wmismatched-new-delete on this coroutine's frame (Asio's awaitable_frame_base defines the matching
// operator new and delete): a known false positive for large coroutine frames, silenced for this function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> Worker::run_turn(const storage::ClaimedJob& job) {
  const Millis qt{5000};
  const storage::Lease lease{name, Millis{opts.lease_ms}};
  auto started = Clock::now();
  claimed_at = started;
  claimed_age_s = job.age_s;
  // A cancel notice that comes before the provider runs is remembered here.
  bool early_cancel = false;
  current_job = job.id;
  cancel_current = [&early_cancel](bool by_user) { early_cancel = early_cancel || by_user; };
  // cancel_current points into this frame: however the frame ends (co_return, an exception, destroyed by ioc),
  // nothing may call it afterwards.
  struct Forget {
    Worker& w;
    ~Forget() {
      w.current_job.clear();
      w.cancel_current = nullptr;
    }
  } forget{*this};
  log_line(Level::info, "turn_claimed", "worker={} job={} thread={} attempt={}", name, job.id, job.thread_id, job.attempt);

  auto in = co_await AssistantStore::load_turn(conn, job, opts.history_messages, qt);
  if (!in.ok()) {
    if (!in.error.unavailable()) {
      storage::TurnInput t;
      t.thread_id = job.thread_id;
      const std::string why = "the turn could not be prepared: " + in.error.message;
      co_await end_turn(job, t, "failed", "provider_error", why);
    }
    current_job.clear();
    cancel_current = nullptr;
    co_return;  // database away: the lease runs out and the job is taken again
  }
  const storage::TurnInput& turn = *in.value;
  // assistant.start goes out first, so clients can show that the assistant is answering while it searches.
  auto start_ev = protocol::encode_assistant_start(turn.thread_id, job.id, job.message_id);
  auto st = co_await AssistantStore::publish(conn, turn, start_ev, qt);
  if (!st.ok()) {
    current_job.clear();
    cancel_current = nullptr;
    co_return;
  }

  // Retrieval: the question alone; a short follow-up ("how much would that cost?") that finds nothing is
  // searched again together with the previous user message.
  auto found = co_await AssistantStore::search(conn, turn.question, turn.vehicle, 5, qt);
  if (found.ok() && (found.value->passages.empty() || found.value->passages.front().score < kRelevantScore)) {
    for (auto it = turn.recent.rbegin(); it != turn.recent.rend(); ++it) {
      if (it->role != "user") continue;
      std::string q = it->content + "\n" + turn.question;
      auto again = co_await AssistantStore::search(conn, q, turn.vehicle, 5, qt);
      if (again.ok() && !again.value->passages.empty() &&
          (found.value->passages.empty() || again.value->passages.front().score > found.value->passages.front().score)) {
        found = std::move(again);
      }
      break;
    }
  }
  if (!found.ok()) {
    current_job.clear();
    cancel_current = nullptr;
    if (!found.error.unavailable()) {
      const std::string why = "retrieval failed: " + found.error.message;
      co_await end_turn(job, turn, "failed", "provider_error", why);
    }
    co_return;
  }
  const storage::Retrieval& retrieval = *found.value;
  auto logged = co_await AssistantStore::log_retrieval(conn, turn.thread_id, retrieval, qt);
  if (!logged.ok()) {
    if (logged.error.unavailable()) {
      current_job.clear();
      cancel_current = nullptr;
      co_return;
    }
    log_line(Level::warn, "retrieval_log_failed", "job={} error={}", job.id, quoted(logged.error.message));
  }

  TurnRequest req{turn, retrieval, confidence_from(retrieval),
                  !retrieval.passages.empty() && retrieval.passages.front().score >= kRelevantScore};
  // The provider runs beside this driver on the same thread; the driver publishes what it emits, renews the lease
  // and stops it on cancel. Everything below shares this frame, so the driver waits for the provider to finish.
  auto ctl = std::make_shared<TurnControl>();
  std::deque<std::string> queue;
  bool provider_done = false;
  ProviderResult result;
  asio::steady_timer signal(ioc);
  bool user_cancelled = early_cancel, lost = false, db_broken = false, too_long = false;
  if (user_cancelled) ctl->cancelled = true;  // the provider stops before its first piece or request
  ctl->emit = [&](std::string piece) {
    ctl->emitted = true;
    queue.push_back(std::move(piece));
    signal.cancel();
  };
  cancel_current = [&](bool by_user) {
    if (by_user) user_cancelled = true;
    ctl->cancel();
    signal.cancel();
  };
  asio::co_spawn(ioc, provider->run(req, ctl), [&](std::exception_ptr e, ProviderResult r) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        r = ProviderResult{ProviderResult::provider_error, {}, std::string("the provider failed: ") + ex.what(), {}};
      }
    }
    result = std::move(r);
    provider_done = true;
    signal.cancel();
  });

  int64_t index = 0;
  const auto hb_every = std::max(Millis{20}, Millis{opts.lease_ms / 3});
  auto next_hb = Clock::now() + hb_every;
  const auto deadline = started + kMaxTurn;
  for (;;) {
    while (!queue.empty()) {
      std::string piece = std::move(queue.front());
      queue.pop_front();
      // Behind on publishing: merge what waits, so a fast provider cannot outrun the database.
      while (queue.size() > 8 && piece.size() + queue.front().size() <= kMaxDeltaBytes) {
        piece += queue.front();
        queue.pop_front();
      }
      auto parts = piece.size() > kMaxDeltaBytes ? chunk_text(piece, kMaxDeltaBytes) : std::vector<std::string>{piece};
      for (auto& part : parts) {
        if (lost || db_broken) continue;
        auto ev = protocol::encode_assistant_delta(turn.thread_id, job.id, index, part);
        // Stored with its event (late joiners' snapshots), and only while the job is still this claim's.
        auto p = co_await AssistantStore::publish_delta(conn, job, turn, index, part, ev, qt);
        ++index;
        if (!p.ok()) {
          db_broken = true;
          ctl->cancel();
        } else if (!*p.value) {
          lost = true;  // taken over (or ended) meanwhile: the next renewal would say the same
          ctl->cancel();
        } else if (index == 1) {
          metrics::observe(metrics::Hist::assistant_first_delta_seconds, since_commit_s());
        }
      }
    }
    if (provider_done) break;
    if (Clock::now() >= next_hb && !lost && !db_broken) {
      next_hb = Clock::now() + hb_every;
      auto hb = co_await AssistantStore::heartbeat(conn, job, lease, qt);
      if (!hb.ok()) {
        db_broken = true;
        ctl->cancel();
      } else if (!*hb.value) {
        lost = true;
        ctl->cancel();
      } else if (**hb.value && !user_cancelled) {
        user_cancelled = true;  // the cancel notice was missed; the flag in the row is authoritative
        ctl->cancel();
      }
      continue;
    }
    if (Clock::now() >= deadline && !too_long) {
      too_long = true;
      ctl->cancel();
    }
    signal.expires_at(std::min(next_hb, deadline));
    boost::system::error_code ec;
    co_await signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  current_job.clear();
  cancel_current = nullptr;

  if (lost || db_broken || (stopping && !user_cancelled)) {
    log_line(Level::warn, "turn_abandoned", "worker={} job={} thread={} reason={}", name, job.id, job.thread_id,
             lost ? "\"the lease was taken over\"" : db_broken ? "\"the database connection failed\"" : "\"shutting down\"");
    co_return;
  }
  const std::string cancelled_why = "the turn was cancelled";
  if (user_cancelled) {
    co_await end_turn(job, turn, "cancelled", "cancelled", cancelled_why);
    co_return;
  }
  if (too_long) {
    const std::string why = "the turn took longer than 10 minutes";
    co_await end_turn(job, turn, "failed", "timeout", why);
    co_return;
  }
  if (result.code == ProviderResult::timeout) {
    co_await end_turn(job, turn, "failed", "timeout", result.message);
    co_return;
  }
  if (result.code != ProviderResult::ok || result.text.empty()) {
    const std::string why = result.message.empty() ? std::string("the provider returned no text") : result.message;
    co_await end_turn(job, turn, "failed", "provider_error", why);
    co_return;
  }

  AssistantStore::Reply reply;
  reply.message_id = protocol::new_uuid();
  reply.content = result.text;
  reply.confidence = req.confidence;
  reply.provider = provider->name();
  std::vector<protocol::AssistantSource> sources;
  for (size_t i : cited_passages(req)) {
    sources.push_back({retrieval.passages[i].id, retrieval.passages[i].title});
  }
  protocol::JsonWriter w(reply.metadata_json);
  w.begin_object().field("turn_id", job.id).field("in_reply_to", job.message_id).field("provider", reply.provider);
  if (!result.model.empty()) w.field("model", result.model);
  w.key("confidence").raw(fmt::format("{:.2f}", reply.confidence));
  w.begin_array("sources");
  for (const auto& s : sources) w.begin_object().field("id", s.id).field("title", s.title).end_object();
  w.end_array().end_object();
  // The automatic handoff (docs/desk.md): nothing relevant found, or not confident enough. It happens in the turn's
  // own transaction (AssistantStore::finish), after the answer.
  if (opts.handoff_confidence > 0) {
    if (!req.relevant) {
      reply.handoff_reason = "no_sources";
    } else if (reply.confidence < opts.handoff_confidence) {
      reply.handoff_reason = "low_confidence";
    }
    if (!reply.handoff_reason.empty()) {
      protocol::JsonWriter a(reply.handoff_analysis_json);
      a.begin_object().field("turn_id", job.id).field("provider", reply.provider);
      a.key("confidence").raw(fmt::format("{:.2f}", reply.confidence));
      a.key("threshold").raw(fmt::format("{:.2f}", opts.handoff_confidence));
      a.field("question", turn.question).field("passages_found", static_cast<int64_t>(retrieval.passages.size()));
      a.begin_array("sources");
      for (const auto& s : sources) a.begin_object().field("id", s.id).field("title", s.title).end_object();
      a.end_array().field("answer", reply.content.substr(0, 500)).end_object();
    }
  }
  reply.done_event_json =
      protocol::encode_assistant_done(turn.thread_id, job.id, reply.message_id, reply.confidence, sources);

  auto fin = co_await AssistantStore::finish(conn, job, turn, reply, qt);
  if (!fin.ok()) {
    log_line(Level::warn, "turn_finish_failed", "worker={} job={} thread={} error={}", name, job.id, job.thread_id,
             quoted(fin.error.message));
    // Unknown outcome (e.g. the connection dropped around COMMIT): if it committed, the job is done and nobody
    // runs it again; if not, the lease runs out and the turn runs again. Either way, one answer at most.
    co_return;
  }
  if (!*fin.value) {
    // Not ours any more, or a cancel came in at the last moment.
    auto hb = co_await AssistantStore::heartbeat(conn, job, lease, qt);
    if (hb.ok() && *hb.value && **hb.value) {
      co_await end_turn(job, turn, "cancelled", "cancelled", cancelled_why);
    } else {
      log_line(Level::warn, "turn_abandoned", "worker={} job={} thread={} reason=\"the lease was taken over\"", name,
               job.id, job.thread_id);
    }
    co_return;
  }
  metrics::observe(metrics::Hist::assistant_turn_seconds, since_commit_s());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  log_line(Level::info, "turn_done", "worker={} job={} thread={} provider={} confidence={:.2f} sources={} deltas={} ms={} handoff={}",
           name, job.id, turn.thread_id, reply.provider, reply.confidence, sources.size(), index, ms,
           reply.handoff_reason.empty() ? "none" : reply.handoff_reason);
}
#pragma GCC diagnostic pop

}  // namespace techpulse::ai
