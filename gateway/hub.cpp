#include "gateway/hub.hpp"

#include <algorithm>

namespace techpulse::gateway {

void Hub::add(const std::shared_ptr<Subscription>& sub) { by_thread_[sub->thread_id].push_back(sub); }

void Hub::remove(const std::shared_ptr<Subscription>& sub) {
  auto it = by_thread_.find(sub->thread_id);
  if (it == by_thread_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), sub), v.end());
  if (v.empty()) by_thread_.erase(it);
}

void Hub::deliver_message(const std::string& thread_id, int64_t seq, const Frame& frame) {
  auto it = by_thread_.find(thread_id);
  if (it == by_thread_.end()) return;
  // Copy: a push may close the session (slow consumer), which removes its subscriptions from this vector.
  auto subs = it->second;
  for (const auto& sub : subs) {
    if (!sub->live) {
      if (sub->pending.size() >= kMaxPending) {
        sub->pending_overflow = true;  // the setup will fetch these from the table instead
      } else {
        sub->pending.emplace_back(seq, frame);
      }
      continue;
    }
    if (seq <= sub->last_seq) continue;
    sub->last_seq = seq;
    sub->owner->push(frame);
  }
}

void Hub::deliver_typing(const std::string& thread_id, const std::string& except_session, const Frame& frame) {
  auto it = by_thread_.find(thread_id);
  if (it == by_thread_.end()) return;
  auto subs = it->second;
  for (const auto& sub : subs) {
    if (sub->live && sub->owner->session_id() != except_session) {
      sub->owner->push(frame);
    }
  }
}

std::vector<storage::ThreadCursor> Hub::live_threads() const {
  std::vector<storage::ThreadCursor> out;
  for (const auto& [thread, subs] : by_thread_) {
    std::optional<int64_t> lowest;
    for (const auto& s : subs) {
      if (s->live && (!lowest || s->last_seq < *lowest)) lowest = s->last_seq;
    }
    if (lowest) out.push_back({thread, *lowest});
  }
  return out;
}

size_t Hub::subscription_count() const {
  size_t n = 0;
  for (const auto& [t, v] : by_thread_) n += v.size();
  return n;
}

}  // namespace techpulse::gateway
