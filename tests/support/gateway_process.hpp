#pragma once
// The real techpulse-gateway binary, started by a test on a free port of 127.0.0.1.
#include <sys/types.h>

#include <map>
#include <string>

namespace techpulse::test {

inline const std::string kTestSecret = "test-secret-0123456789";

// The gateway binary the suites run: TECHPULSE_TEST_GATEWAY_BIN when set (tests/run.sh's sanitizer pass points the
// suites at the ASan/UBSan build), else the one built beside them.
const std::string& gateway_binary();
// Whether that binary is the sanitized one (TECHPULSE_TEST_GATEWAY_SANITIZED=1, set by tests/run.sh beside it): the
// [memory] cases, whose RSS bounds ASan's shadow memory makes meaningless, then run in the normal pass only.
bool gateway_sanitized();

unsigned short free_port();

class GatewayProcess {
 public:
  // Starts `serve` against database_url and waits (bounded) until /healthz answers (over https when `env` sets
  // TECHPULSE_TLS_CERT).
  explicit GatewayProcess(const std::string& database_url, std::map<std::string, std::string> env = {});
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends SIGTERM and waits (bounded); returns the exit status, or -1 if it had to be killed.
  int terminate();
  void kill9();
  // Starts it again on the same port.
  void restart();
  std::string token(const std::string& sub, const std::string& role = "customer", long ttl = 3600) const;
  const std::string& log_path() const { return log_path_; }

 private:
  void spawn();
  std::string database_url_;
  std::map<std::string, std::string> env_;
  unsigned short port_;
  pid_t pid_ = -1;
  std::string log_path_;
};

// Mints a token like `techpulse-gateway token` with kTestSecret.
std::string make_token(const std::string& sub, const std::string& role = "customer", long ttl = 3600);

}  // namespace techpulse::test
