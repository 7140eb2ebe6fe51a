// deploy/systemd/techpulse-gateway.service: systemd-analyze verify accepts it without a warning, and it keeps the
// hardening the operations doc promises. Skipped, with a message, where systemd is not installed.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "support/chat_helpers.hpp"
#include "support/process.hpp"

using namespace techpulse::test;

namespace {

const std::string kUnitName = "techpulse-gateway.service";

std::string unit_text() {
  auto text = read_file(std::string(TECHPULSE_SOURCE_DIR) + "/deploy/systemd/" + kUnitName);
  REQUIRE_FALSE(text.empty());
  return text;
}

// The unit in a directory of its own, its binary path pointing at the one just built (verify checks it exists).
struct UnitCopy {
  std::string dir, path;
  explicit UnitCopy(std::string text) {
    char tmpl[] = "/tmp/techpulse-test-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    dir = tmpl;
    path = dir + "/" + kUnitName;
    text = std::regex_replace(text, std::regex("/usr/local/bin/techpulse-gateway"), TECHPULSE_GATEWAY_BIN);
    std::ofstream(path) << text;
  }
  ~UnitCopy() {
    std::remove(path.c_str());
    ::rmdir(dir.c_str());
  }
};

// The lines of verify's output about our unit (it may also print about the host's units it reads, e.g. in a
// container without systemd running).
std::string about_unit(const std::string& output) {
  std::string out, line;
  std::istringstream in(output);
  while (std::getline(in, line)) {
    if (line.find(kUnitName) != std::string::npos) out += line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("the systemd unit has the promised hardening and reload", "[deploy]") {
  auto text = unit_text();
  for (const char* line : {"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "LimitNOFILE=1048576",
                           "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "User=techpulse"}) {
    INFO(line);
    CHECK(text.find(std::string("\n") + line + "\n") != std::string::npos);
  }
}

TEST_CASE("systemd-analyze verify accepts the unit without a warning", "[deploy]") {
  auto analyze = find_program("systemd-analyze");
  if (analyze.empty()) {
    WARN("skipped: systemd is not installed (no systemd-analyze), the unit was not verified");
    return;
  }
  UnitCopy unit(unit_text());
  auto r = run_process({analyze, "verify", unit.path}, {}, std::chrono::seconds(60));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(about_unit(r.output).empty());

  // The control: a misspelt key is reported, so the check above can fail.
  auto text = unit_text();
  text.replace(text.find("NoNewPrivileges=yes"), 19, "NoNewPrivilege=yes");
  UnitCopy broken(text);
  auto b = run_process({analyze, "verify", broken.path}, {}, std::chrono::seconds(60));
  INFO(b.output);
  CHECK(about_unit(b.output).find("NoNewPrivilege") != std::string::npos);
}
