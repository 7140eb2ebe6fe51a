// The database snapshot a late joiner reads the running turn under, and which published events it already holds.
#include <catch2/catch.hpp>

#include "storage/xid_snapshot.hpp"

using techpulse::storage::parse_xid;
using techpulse::storage::XidSnapshot;

TEST_CASE("a snapshot parses as pg_current_snapshot()::text gives it", "[storage][xid]") {
  auto s = XidSnapshot::parse("100:105:100,102");
  REQUIRE(s);
  CHECK(s->xmin == 100);
  CHECK(s->xmax == 105);
  CHECK(s->xip == std::vector<uint64_t>{100, 102});
  auto quiet = XidSnapshot::parse("1929:1929:");
  REQUIRE(quiet);
  CHECK(quiet->xip.empty());
  auto big = XidSnapshot::parse("18446744073709551614:18446744073709551615:");
  REQUIRE(big);
  CHECK(big->xmax == UINT64_MAX);
}

TEST_CASE("anything else is not a snapshot", "[storage][xid]") {
  for (const char* bad : {"", "1", "1:2", "1:2:3", "5:4:", "1:5:2,2", "1:5:3,2", "1:5:2,", "1:5:,2", "a:5:", "1:5:x",
                          "-1:5:", "1:5: 2", "1:5:5", "1:18446744073709551616:", "1:2:\n"}) {
    INFO(bad);
    CHECK_FALSE(XidSnapshot::parse(bad));
  }
  CHECK_FALSE(parse_xid(""));
  CHECK_FALSE(parse_xid("12a"));
  CHECK_FALSE(parse_xid("+1"));
  CHECK(parse_xid("0") == uint64_t{0});
}

TEST_CASE("a snapshot includes what committed before it: below xmin, and below xmax unless in progress",
          "[storage][xid]") {
  auto s = *XidSnapshot::parse("100:105:100,102");
  CHECK(s.includes(99));
  CHECK_FALSE(s.includes(100));  // in progress when the snapshot was taken: committed after it
  CHECK(s.includes(101));
  CHECK_FALSE(s.includes(102));
  CHECK(s.includes(104));
  CHECK_FALSE(s.includes(105));  // not yet started
  CHECK_FALSE(s.includes(1000));
  CHECK_FALSE(XidSnapshot{}.includes(1));  // no read yet: nothing is held
  CHECK_FALSE(s.includes(0));               // a payload without an xid (a node before 011): never held
}
