// Filters on timestamptz columns compare instants (protocol/phoenix/instant.hpp, filter.hpp compare_as_instants).
#include <catch2/catch.hpp>

#include <simdjson.h>

#include "protocol/phoenix/filter.hpp"
#include "protocol/phoenix/instant.hpp"

using namespace techpulse::protocol::phoenix;

TEST_CASE("parse_instant: the row's form, toISOString's, offsets, dates; nonsense refused", "[phoenix]") {
  const int64_t t = 1764682800LL * 1000000;  // 2025-12-02T13:40:00Z
  CHECK(parse_instant("2025-12-02T13:40:00+00:00") == t);
  CHECK(parse_instant("2025-12-02T13:40:00Z") == t);
  CHECK(parse_instant("2025-12-02 13:40:00") == t);
  CHECK(parse_instant("2025-12-02T15:40:00+02:00") == t);
  CHECK(parse_instant("2025-12-02T08:10:00-0530") == t);
  CHECK(parse_instant("2025-12-02T14:40+01") == t);
  CHECK(parse_instant("2025-12-02T13:40:00.123456+00:00") == t + 123456);
  CHECK(parse_instant("2025-12-02T13:40:00.5Z") == t + 500000);
  CHECK(parse_instant("2025-12-02T13:40:00.1234567Z") == t + 123456);
  CHECK(parse_instant("1970-01-01") == 0);
  CHECK(parse_instant("2024-02-29") == 1709164800LL * 1000000);
  for (const char* bad : {"", "2025", "2025-13-01", "2025-02-29", "2025-12-02T24:00", "2025-12-02T13:40:00.",
                          "2025-12-02T13:40:00+", "2025-12-02T13:40:00Zx", "2025-12-02X13:40", "yesterday",
                          "0000-01-01", "2025-12-02T13:40:00+16:00"}) {
    INFO(bad);
    CHECK_FALSE(parse_instant(bad).has_value());
  }
}

TEST_CASE("a timestamptz filter compares instants, not text; a value that is no timestamp is refused", "[phoenix]") {
  simdjson::dom::parser p;
  auto row = [&](const char* json) { return p.parse(std::string_view(json)).get_object().value(); };
  auto compiled = [](const char* text) {
    auto f = std::get<Filter>(parse_filter(text));
    REQUIRE_FALSE(compare_as_instants(f, {"created_at"}).has_value());
    return f;
  };
  // As text, "…00.123456+00:00" < "…00.123Z" ('4' < 'Z'); as instants it is later.
  auto later = compiled("created_at=gt.2025-12-02T13:40:00.123Z");
  CHECK(filter_matches(later, row(R"({"created_at":"2025-12-02T13:40:00.123456+00:00"})")));
  CHECK_FALSE(filter_matches(later, row(R"({"created_at":"2025-12-02T13:40:00.1+00:00"})")));
  CHECK_FALSE(filter_matches(later, row(R"({"created_at":null})")));
  auto same = compiled("created_at=eq.2025-12-02T15:40:00+02:00");
  CHECK(filter_matches(same, row(R"({"created_at":"2025-12-02T13:40:00+00:00"})")));
  auto any = compiled("created_at=in.(2025-12-02T13:40:00Z,2025-12-03)");
  CHECK(filter_matches(any, row(R"({"created_at":"2025-12-03T00:00:00+00:00"})")));
  CHECK_FALSE(filter_matches(any, row(R"({"created_at":"2025-12-03T00:00:00.000001+00:00"})")));
  // Columns not listed keep the text comparison; is stays is.
  auto text = std::get<Filter>(parse_filter("title=gt.2025-12-02T13:40:00Z,created_at=is.null"));
  REQUIRE_FALSE(compare_as_instants(text, {"created_at"}).has_value());
  CHECK_FALSE(text.all[0].instant);
  CHECK_FALSE(text.all[1].instant);
  auto bad = std::get<Filter>(parse_filter("created_at=lt.soon"));
  CHECK(compare_as_instants(bad, {"created_at"}) == std::optional<std::string>("filter value on created_at is not a timestamp: \"soon\""));
}
