#pragma once
// A timestamp as a postgres_changes filter compares it on a timestamptz column (see message.hpp for the module):
// ISO 8601 / PostgreSQL text, `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM[:SS[.fraction]]`, then
// optionally `Z`, `+HH`, `+HH:MM` or `+HHMM` (no offset: UTC, the gateway's row JSON time zone). Both the row's
// value (`2026-12-02T13:40:00.123456+00:00`) and a client's (`new Date().toISOString()`: `…13:40:00.123Z`) parse to
// the same instant when they name it. Pure code.
#include <cstdint>
#include <optional>
#include <string_view>

namespace techpulse::protocol::phoenix {

// Microseconds since 1970-01-01T00:00:00Z (fractions past the microsecond are truncated); nullopt when the text is
// not such a timestamp (or a field is out of range: month 13, hour 25, ...). Years 0001-9999.
std::optional<int64_t> parse_instant(std::string_view text);

}  // namespace techpulse::protocol::phoenix
