#pragma once
// The Prometheus text exposition format, version 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
// `# HELP` and `# TYPE` per family, then its samples; a histogram's samples are its cumulative `_bucket{le=...}`
// series ending at `le="+Inf"`, then `_sum` and `_count`. Pure: the catalog (catalog.cpp) says what to render.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace techpulse::metrics {

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  // A family's header. A counter's name ends in _total (as client libraries write it).
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  // A histogram's series: bounds ascending; buckets[i] counts the observations in (bounds[i-1], bounds[i]], and
  // buckets[bounds.size()] those above the last bound (not cumulative: this adds them up). _count is the total of
  // the buckets, so it always equals the +Inf bucket.
  void histogram(std::string_view name, const Labels& labels, const std::vector<double>& bounds,
                 const std::vector<uint64_t>& buckets, double sum);
  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// A sample value as the format writes it: integers without a fraction, +Inf, -Inf, NaN.
std::string format_value(double v);
// Label values escape backslash, double quote and newline; help texts backslash and newline.
std::string escape_label_value(std::string_view s);
std::string escape_help(std::string_view s);

}  // namespace techpulse::metrics
