#include "support/process.hpp"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace techpulse::test {

std::string find_program(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty()) {
      std::string full = dir + "/" + name;
      if (::access(full.c_str(), X_OK) == 0) return full;
    }
    start = end + 1;
  }
  return "";
}

int unprivileged_uid() {
  if (::geteuid() != 0) return -1;
  const passwd* pw = ::getpwnam("nobody");
  return pw ? static_cast<int>(pw->pw_uid) : 65534;
}

bool drop_privileges(int uid) {
  if (uid < 0) return true;
  const passwd* pw = ::getpwuid(static_cast<uid_t>(uid));
  gid_t gid = pw ? pw->pw_gid : static_cast<gid_t>(uid);
  return ::setgroups(0, nullptr) == 0 && ::setgid(gid) == 0 && ::setuid(static_cast<uid_t>(uid)) == 0;
}

ProcessResult run_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds deadline, int run_as_uid) {
  if (argv.empty()) throw std::invalid_argument("run_process: no program");
  std::string program = argv[0].find('/') == std::string::npos ? find_program(argv[0]) : argv[0];
  if (program.empty()) throw std::runtime_error("run_process: " + argv[0] + " not found");
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  if (!env.count("PATH")) {
    if (const char* p = std::getenv("PATH")) envs.push_back(std::string("PATH=") + p);
  }
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("run_process: pipe failed");
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("run_process: fork failed");
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    if (!drop_privileges(run_as_uid)) _exit(126);
    std::vector<std::string> args = argv;
    std::vector<char*> a, e;
    for (auto& s : args) a.push_back(s.data());
    a.push_back(nullptr);
    for (auto& s : envs) e.push_back(s.data());
    e.push_back(nullptr);
    ::execve(program.c_str(), a.data(), e.data());
    _exit(127);
  }
  ::close(fds[1]);
  ProcessResult r;
  auto until = std::chrono::steady_clock::now() + deadline;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0) continue;
    if (n == 0) continue;
    ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got <= 0) break;  // EOF: the child closed its output (it exited)
    r.output.append(buf, static_cast<size_t>(got));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace techpulse::test
