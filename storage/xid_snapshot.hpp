#pragma once
// A PostgreSQL snapshot as pg_current_snapshot()::text gives it ("xmin:xmax:xip,xip,..."): which transactions had
// committed when a statement read. A subscriber that reads a running assistant turn under a snapshot keeps it, and
// of the assistant events that reach it (each names its transaction, 011_assistant_snapshot.sql) drops those the
// snapshot includes: their effect is already in what it read.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace techpulse::storage {

struct XidSnapshot {
  uint64_t xmin = 0;
  uint64_t xmax = 0;            // xmin <= xmax
  std::vector<uint64_t> xip;    // in progress when the snapshot was taken; ascending, each in [xmin, xmax)

  // nullopt unless the text is exactly a snapshot in that form.
  static std::optional<XidSnapshot> parse(std::string_view text);
  // Whether a transaction that did commit had committed before this snapshot was taken. A default snapshot
  // includes nothing, and no snapshot includes xid 0 (unknown: a payload without an xid).
  bool includes(uint64_t xid) const;
};

// A transaction id (xid8) in decimal, as pg_current_xact_id()::text gives it; nullopt otherwise.
std::optional<uint64_t> parse_xid(std::string_view text);

}  // namespace techpulse::storage
