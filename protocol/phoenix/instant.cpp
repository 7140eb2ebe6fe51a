#include "protocol/phoenix/instant.hpp"

namespace techpulse::protocol::phoenix {

namespace {

// n digits at s[pos] as a number; advances pos. false when they are not all digits.
bool digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool take(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

std::optional<int64_t> parse_instant(std::string_view s) {
  size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!digits(s, pos, 4, year) || !take(s, pos, '-') || !digits(s, pos, 2, month) || !take(s, pos, '-') ||
      !digits(s, pos, 2, day)) {
    return std::nullopt;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0)) return std::nullopt;
  int64_t micros = 0;
  if (take(s, pos, 'T') || take(s, pos, ' ')) {
    if (!digits(s, pos, 2, hour) || !take(s, pos, ':') || !digits(s, pos, 2, minute)) return std::nullopt;
    if (take(s, pos, ':')) {
      if (!digits(s, pos, 2, second)) return std::nullopt;
      if (take(s, pos, '.')) {
        int scale = 100000, n = 0;
        for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n) {
          if (scale > 0) micros += (s[pos] - '0') * scale;
          scale /= 10;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  }
  int offset_minutes = 0;
  if (take(s, pos, 'Z')) {
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos++] == '-' ? -1 : 1;
    int oh = 0, om = 0;
    if (!digits(s, pos, 2, oh)) return std::nullopt;
    if (take(s, pos, ':')) {
      if (!digits(s, pos, 2, om)) return std::nullopt;
    } else if (pos < s.size() && !digits(s, pos, 2, om)) {
      return std::nullopt;
    }
    if (oh > 15 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  }
  if (pos != s.size()) return std::nullopt;
  const int64_t seconds = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                          hour * 3600 + minute * 60 + second - int64_t{offset_minutes} * 60;
  return seconds * 1000000 + micros;
}

}  // namespace techpulse::protocol::phoenix
