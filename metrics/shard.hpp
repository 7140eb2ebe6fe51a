#pragma once
// The per-thread shards of the metrics (metrics.hpp): a thread's first count attaches a shard of its own, which
// only that thread writes (a relaxed load and store, no read-modify-write, no lock); a scrape sums every shard
// ever attached, so the counts of a thread that ended stay in the totals. Attaching takes the registry's mutex,
// once per thread; counting never does.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace techpulse::metrics {

inline constexpr size_t kSlots = 64;        // counters and gauges (metrics.hpp, namespace slot)
inline constexpr size_t kHistograms = 6;
inline constexpr size_t kMaxBuckets = 16;   // finite bounds of one histogram; one more slot for +Inf

struct alignas(64) Shard {
  std::array<std::atomic<int64_t>, kSlots> slots{};
  struct Histogram {
    std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets{};  // not cumulative: [i] counts bound[i-1] < v <= bound[i]
    std::atomic<uint64_t> count{0};
    std::atomic<double> sum{0};
  };
  std::array<Histogram, kHistograms> histograms{};

  // Only the owning thread writes, so load + store is exact and cheaper than fetch_add.
  void add(size_t slot, int64_t n = 1) {
    auto& s = slots[slot];
    s.store(s.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void observe(size_t hist, size_t bucket, double value) {
    auto& h = histograms[hist];
    h.buckets[bucket].store(h.buckets[bucket].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    h.count.store(h.count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    h.sum.store(h.sum.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
  }
};

// This thread's shard, attached at its first use.
Shard& attach();
inline thread_local Shard* tls_shard = nullptr;
inline Shard& local() {
  Shard* s = tls_shard;
  if (s == nullptr) [[unlikely]] s = &attach();
  return *s;
}

// Every shard summed (a scrape).
struct Totals {
  std::array<int64_t, kSlots> slots{};
  struct Histogram {
    std::array<uint64_t, kMaxBuckets + 1> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  std::array<Histogram, kHistograms> histograms{};
};
Totals sum_shards();
// The number of shards attached so far (tests).
size_t shard_count();

}  // namespace techpulse::metrics
