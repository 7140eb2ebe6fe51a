#pragma once
// The postgres_changes filter (see message.hpp for the module): `column=op.value`, conditions joined by commas
// (AND), each optionally negated with `not.`. Operators: eq neq lt lte gt gte in is. `in.(a,b)`; values may be
// double-quoted PostgREST-style with backslash escapes (as realtime-js's filter builder writes them); `is.` takes
// null, true, false or unknown. Any other operator (like, ilike, match, imatch, isdistinct, ...) is refused with
// a message naming it. Pure code.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace simdjson::dom {
class object;
}

namespace techpulse::protocol::phoenix {

enum class FilterOp { eq, neq, lt, lte, gt, gte, in, is };

struct Condition {
  std::string column;
  FilterOp op = FilterOp::eq;
  bool negated = false;
  std::vector<std::string> values;  // one, except for `in`; for `is`: "null", "true", "false" or "unknown"
  bool instant = false;              // a timestamptz column: compared as instants (compare_as_instants)
  std::vector<int64_t> instants;     // the values as instants, when `instant`
};

struct Filter {
  std::vector<Condition> all;  // empty: every row
};

inline constexpr size_t kMaxConditions = 16;
inline constexpr size_t kMaxFilterBytes = 4096;

std::variant<Filter, std::string> parse_filter(std::string_view text);

// The first column the filter names that is not in `columns`; nullopt when all exist.
std::optional<std::string> unknown_column(const Filter& f, const std::vector<std::string>& columns);

// The conditions on these columns (the table's timestamptz columns) compare as instants (instant.hpp), not as text:
// `created_at=gt.2026-12-02T13:40:00.123Z` holds for a row's `2026-12-02T13:40:00.5+00:00`. The error names a
// value that is not a timestamp (PostgreSQL would refuse it too); `is` conditions are left as they are.
std::optional<std::string> compare_as_instants(Filter& f, const std::vector<std::string>& columns);

// Does a row (its record JSON object) pass? SQL semantics for NULL: a comparison with NULL is never true (also
// under `not.`), only `is.null` / `is.unknown` match it. Numbers compare as numbers, strings byte-wise (UTF-8 in
// code point order), timestamps of compare_as_instants' columns as instants, booleans with "true"/"false". A value
// of the wrong kind for the column never matches.
bool filter_matches(const Filter& f, const simdjson::dom::object& record);

// `column=eq.<value>` on one column, the form a chat_messages binding with a `since` cursor needs: the value when
// the filter is exactly one un-negated eq on `column`.
std::optional<std::string> sole_eq(const Filter& f, std::string_view column);

}  // namespace techpulse::protocol::phoenix
