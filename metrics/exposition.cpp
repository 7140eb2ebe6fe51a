#include "metrics/exposition.hpp"

#include <fmt/format.h>

#include <cmath>

namespace techpulse::metrics {

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);  // the shortest text that reads back as v
}

std::string escape_label_value(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string escape_help(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

namespace {

void write_labels(std::string& out, const Labels& labels, std::string_view le = {}) {
  if (labels.empty() && le.empty()) return;
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out += fmt::format("{}=\"{}\"", k, escape_label_value(v));
  }
  if (!le.empty()) {
    if (!first) out.push_back(',');
    out += fmt::format("le=\"{}\"", le);
  }
  out.push_back('}');
}

}  // namespace

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  out_ += name;
  write_labels(out_, labels);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void Exposition::histogram(std::string_view name, const Labels& labels, const std::vector<double>& bounds,
                           const std::vector<uint64_t>& buckets, double sum) {
  uint64_t cumulative = 0;
  const std::string bucket = fmt::format("{}_bucket", name);
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += i < buckets.size() ? buckets[i] : 0;
    out_ += bucket;
    write_labels(out_, labels, i < bounds.size() ? format_value(bounds[i]) : "+Inf");
    out_ += fmt::format(" {}\n", cumulative);
  }
  sample(fmt::format("{}_sum", name), labels, sum);
  sample(fmt::format("{}_count", name), labels, static_cast<double>(cumulative));
}

}  // namespace techpulse::metrics
