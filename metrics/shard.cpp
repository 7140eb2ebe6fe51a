#include "metrics/shard.hpp"

#include <deque>
#include <mutex>

namespace techpulse::metrics {

namespace {

struct Registry {
  std::mutex mutex;
  std::deque<Shard> shards;  // never shrinks: a deque keeps the addresses threads hold
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: threads may count while the process exits
  return *r;
}

}  // namespace

Shard& attach() {
  auto& r = registry();
  std::lock_guard<std::mutex> g(r.mutex);
  Shard& s = r.shards.emplace_back();
  tls_shard = &s;
  return s;
}

Totals sum_shards() {
  Totals t;
  auto& r = registry();
  std::lock_guard<std::mutex> g(r.mutex);
  for (const auto& s : r.shards) {
    for (size_t i = 0; i < kSlots; ++i) t.slots[i] += s.slots[i].load(std::memory_order_relaxed);
    for (size_t h = 0; h < kHistograms; ++h) {
      const auto& from = s.histograms[h];
      auto& to = t.histograms[h];
      for (size_t b = 0; b <= kMaxBuckets; ++b) to.buckets[b] += from.buckets[b].load(std::memory_order_relaxed);
      to.count += from.count.load(std::memory_order_relaxed);
      to.sum += from.sum.load(std::memory_order_relaxed);
    }
  }
  return t;
}

size_t shard_count() {
  auto& r = registry();
  std::lock_guard<std::mutex> g(r.mutex);
  return r.shards.size();
}

}  // namespace techpulse::metrics
