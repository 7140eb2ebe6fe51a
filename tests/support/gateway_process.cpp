#include "support/gateway_process.hpp"

#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/jwt.hpp"
#include "support/ws_client.hpp"
#include "support/wss_client.hpp"

namespace techpulse::test {

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string make_token(const std::string& sub, const std::string& role, long ttl) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return gateway::mint_jwt(gateway::Claims{sub, role, now + ttl}, kTestSecret, now);
}

GatewayProcess::GatewayProcess(const std::string& database_url, std::map<std::string, std::string> env)
    : database_url_(database_url), env_(std::move(env)), port_(free_port()) {
  // tests/run.sh points TECHPULSE_TEST_LOG_DIR at a directory of its own for the sanitizer build, and scans the
  // logs for sanitizer reports (a report at exit, such as a leak, fails no test by itself).
  const char* dir = std::getenv("TECHPULSE_TEST_LOG_DIR");
  // One file per GatewayProcess (restart() appends to it): named by port alone, a later gateway that drew the same
  // port appended to an earlier one's log, so a test could find the other's lines, and a sanitizer report could be
  // read as someone else's.
  static std::atomic<unsigned> made{0};
  log_path_ = std::string(dir && *dir ? dir : "/tmp") + "/techpulse-test-gateway-" + std::to_string(::getpid()) + "-" +
              std::to_string(made++) + "-" + std::to_string(port_) + ".log";
  ::unlink(log_path_.c_str());
  spawn();
}

const std::string& gateway_binary() {
  static const std::string bin = [] {
    const char* env = std::getenv("TECHPULSE_TEST_GATEWAY_BIN");
    return std::string(env && *env ? env : TECHPULSE_GATEWAY_BIN);
  }();
  return bin;
}

bool gateway_sanitized() {
  const char* env = std::getenv("TECHPULSE_TEST_GATEWAY_SANITIZED");
  return env && std::string_view(env) == "1";
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) terminate();
}

void GatewayProcess::spawn() {
  std::vector<std::string> args = {gateway_binary(), "serve"};
  std::vector<std::string> envs = {"TECHPULSE_DATABASE_URL=" + database_url_,
                                   "TECHPULSE_LISTEN=127.0.0.1:" + std::to_string(port_),
                                   "TECHPULSE_JWT_SECRET=" + kTestSecret, "TECHPULSE_LOG_LEVEL=debug"};
  // The chat suites count a thread's messages exactly: their gateways answer no assistant turns unless the test
  // sets TECHPULSE_AI_WORKERS (the assistant suite does).
  if (!env_.count("TECHPULSE_AI_WORKERS")) envs.push_back("TECHPULSE_AI_WORKERS=0");
  // Nor the automatic handoff (docs/desk.md), unless the suite sets it (desk_e2e does): the assistant suites count
  // answers, and a handoff after a weak one would stop the thread's later turns.
  if (!env_.count("TECHPULSE_AI_HANDOFF_CONFIDENCE")) envs.push_back("TECHPULSE_AI_HANDOFF_CONFIDENCE=0");
  for (auto& [k, v] : env_) envs.push_back(k + "=" + v);
  if (const char* path = std::getenv("PATH")) envs.push_back(std::string("PATH=") + path);
  // Sanitizer builds (tests/run.sh, build-asan): the gateway reports where the tests' own reports go.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* v = std::getenv(name)) envs.push_back(std::string(name) + "=" + v);
  }
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  // A gateway with --tls-cert answers https only.
  auto cert = env_.find("TECHPULSE_TLS_CERT");
  const bool tls = cert != env_.end() && !cert->second.empty();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if ((tls ? https_get(port_, "/healthz", "", std::chrono::seconds(2)).status : http_get(port_, "/healthz")) == 200) {
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("techpulse-gateway exited at start; see " + log_path_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("techpulse-gateway did not answer /healthz in 15 s; see " + log_path_);
}

int GatewayProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -1;
}

void GatewayProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void GatewayProcess::restart() {
  if (pid_ > 0) terminate();
  spawn();
}

std::string GatewayProcess::token(const std::string& sub, const std::string& role, long ttl) const {
  return make_token(sub, role, ttl);
}

}  // namespace techpulse::test
