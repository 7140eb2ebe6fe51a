#include "gateway/realtime/coalesced_reads.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include "metrics/metrics.hpp"
#include "protocol/uuid.hpp"
#include "storage/batched_reads.hpp"

namespace techpulse::gateway::realtime {

namespace {

constexpr size_t kProfileBatch = 256;
constexpr size_t kAccessBatch = 1000;
constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

CoalescedReads::CoalescedReads(storage::ChatStore& store, size_t concurrency, size_t admission_queue)
    : store_(store),
      admission_queue_(admission_queue),
      gate_(store.executor(), concurrency),
      // Profiles have one key: as many statements in flight as the gate lets through, each taking what waits.
      profiles_(store.executor(), gate_, kProfileBatch, std::max<size_t>(1, concurrency),
                [this](const std::string&, ProfileBatcher::Batch& b) { return read_profiles(b); }),
      access_(store.executor(), gate_, kAccessBatch, 1,
              [this](const std::string& t, AccessBatcher::Batch& b) { return read_access(t, b); }),
      events_(store.executor(), gate_, kUnbounded, 1,
              [this](const std::string& t, EventsBatcher::Batch& b) { return read_events(t, b); }),
      turns_(store.executor(), gate_, kUnbounded, 1,
             [this](const std::string& t, TurnBatcher::Batch& b) { return read_turn(t, b); }) {}

std::optional<ProfileRead> CoalescedReads::refuse_profile(const std::string& user_id) const {
  ProfileRead out;
  if (!protocol::is_uuid(user_id)) {
    out.profile = storage::ok<std::optional<storage::Profile>>(std::nullopt);
    return out;
  }
  if (profiles_.queued() >= admission_queue_) {
    metrics::admission_refused();
    out.queue_full = true;
    return out;
  }
  metrics::coalesced_request(metrics::CoalescedRead::profile);
  metrics::admission_queue(+1);
  return std::nullopt;
}

boost::asio::awaitable<ProfileRead> CoalescedReads::profile(std::string user_id) {
  if (auto refused = refuse_profile(user_id)) co_return std::move(*refused);
  ProfileRead out;
  out.profile = co_await profiles_.call({}, std::move(user_id));
  co_return out;
}

void CoalescedReads::profile_then(std::string user_id, std::function<void(ProfileRead)> done) {
  if (auto refused = refuse_profile(user_id)) return done(std::move(*refused));
  profiles_.call_then({}, std::move(user_id), [done = std::move(done)](auto profile) {
    ProfileRead out;
    out.profile = std::move(profile);
    done(std::move(out));
  });
}

boost::asio::awaitable<void> CoalescedReads::read_profiles(ProfileBatcher::Batch& batch) {
  metrics::admission_queue(-static_cast<int64_t>(batch.size()));
  std::vector<std::string> ids;
  for (const auto& w : batch) ids.push_back(lower(w->req));
  metrics::coalesced_statement(metrics::CoalescedRead::profile);
  auto roles = co_await storage::profile_roles(store_.pool(), std::move(ids));
  for (auto& w : batch) {
    if (!roles.ok()) {
      w->res = storage::fail<std::optional<storage::Profile>>(roles.error);
      continue;
    }
    auto it = roles.value->find(lower(w->req));
    std::optional<storage::Profile> p;
    if (it != roles.value->end()) p = storage::Profile{w->req, it->second};
    w->res = storage::ok(std::move(p));
  }
}

boost::asio::awaitable<storage::PgOutcome<storage::ThreadAccess>> CoalescedReads::thread_access(
    std::string user_id, std::string thread_id) {
  metrics::coalesced_request(metrics::CoalescedRead::access);
  co_return co_await access_.call(std::move(thread_id), std::move(user_id));
}

boost::asio::awaitable<void> CoalescedReads::read_access(const std::string& thread, AccessBatcher::Batch& batch) {
  std::vector<std::string> users;
  for (const auto& w : batch) {
    auto u = lower(w->req);
    if (std::find(users.begin(), users.end(), u) == users.end()) users.push_back(std::move(u));
  }
  metrics::coalesced_statement(metrics::CoalescedRead::access);
  auto r = co_await storage::thread_access_of(store_.pool(), thread, std::move(users));
  for (auto& w : batch) {
    if (!r.ok()) {
      w->res = storage::fail<storage::ThreadAccess>(r.error);
      continue;
    }
    storage::ThreadAccess a;
    a.exists = r.value->exists;
    a.last_seq = r.value->last_seq;
    auto it = r.value->allowed.find(lower(w->req));
    a.allowed = it != r.value->allowed.end() && it->second;
    w->res = storage::ok(a);
  }
}

boost::asio::awaitable<storage::PgOutcome<storage::ThreadEvents>> CoalescedReads::events_after(std::string thread_id,
                                                                                              int64_t after) {
  metrics::coalesced_request(metrics::CoalescedRead::replay);
  co_return co_await events_.call(std::move(thread_id), after);
}

boost::asio::awaitable<void> CoalescedReads::read_events(const std::string& thread, EventsBatcher::Batch& batch) {
  int64_t from = batch.front()->req;
  for (const auto& w : batch) from = std::min(from, w->req);
  metrics::coalesced_statement(metrics::CoalescedRead::replay);
  auto page = co_await storage::thread_events_after(store_.pool(), thread, from, kReplayPage);
  for (auto& w : batch) {
    if (!page.ok()) {
      w->res = storage::fail<storage::ThreadEvents>(page.error);
      continue;
    }
    const auto& p = *page.value;
    // Events after a cursor are the same set whichever lower cursor the read started from (one counter orders a
    // thread's messages and changes), so a request's page is the part of this one after its own cursor. A full page
    // stops at its last cursor: a request at or past it is not answered by this read and waits for the next.
    if (p.more && w->req >= p.events.back().cursor) continue;
    storage::ThreadEvents mine;
    mine.exists = p.exists;
    mine.last_seq = p.last_seq;
    mine.ticket_id = p.ticket_id;
    mine.more = p.more;
    auto first = std::upper_bound(p.events.begin(), p.events.end(), w->req,
                                  [](int64_t c, const storage::ThreadEvent& e) { return c < e.cursor; });
    mine.events.assign(first, p.events.end());
    w->res = storage::ok(std::move(mine));
  }
}

boost::asio::awaitable<storage::PgOutcome<storage::TurnSnapshot>> CoalescedReads::running_turn(std::string thread_id) {
  metrics::coalesced_request(metrics::CoalescedRead::turn);
  co_return co_await turns_.call(std::move(thread_id), true);
}

boost::asio::awaitable<void> CoalescedReads::read_turn(const std::string& thread, TurnBatcher::Batch& batch) {
  metrics::coalesced_statement(metrics::CoalescedRead::turn);
  auto t = co_await storage::running_turn(store_.pool(), thread);
  for (auto& w : batch) w->res = t;
}

}  // namespace techpulse::gateway::realtime
