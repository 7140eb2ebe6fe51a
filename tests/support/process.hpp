#pragma once
// Runs a program to completion (bounded in time) and captures what it printed: for commands such as
// `techpulse-gateway check`, `nginx -t` and `systemd-analyze verify`.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace techpulse::test {

struct ProcessResult {
  int exit_code = -1;     // -1: killed by a signal or by the deadline
  bool timed_out = false;
  std::string output;     // stdout and stderr, interleaved
};

// argv[0] is a path or a name looked up in PATH. The child gets exactly `env` (plus PATH from this process).
// run_as_uid >= 0 (when this process is root): the child drops to that user and its group first.
ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds deadline = std::chrono::seconds(30), int run_as_uid = -1);

// A user id for unprivileged children: `nobody` when this process is root, -1 (do not switch) otherwise.
int unprivileged_uid();
// Drops to that user in a child process (setgroups, setgid, setuid); returns false if it could not.
bool drop_privileges(int uid);

// The full path of a program found in PATH (and /usr/sbin, /sbin), or empty.
std::string find_program(const std::string& name);

}  // namespace techpulse::test
