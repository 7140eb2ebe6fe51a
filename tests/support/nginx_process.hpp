#pragma once
// Debian's nginx, run by a test as an unprivileged process (user `nobody` when the test runs as root) in a
// temporary directory, with deploy/nginx/techpulse.conf in front of the given gateway ports.
#include <sys/types.h>

#include <string>
#include <vector>

#include "support/process.hpp"

namespace techpulse::test {

// deploy/nginx/techpulse.conf with its upstream `server` lines replaced by `nodes` and `listen 80` by
// 127.0.0.1:port, inside a complete nginx.conf whose files all live in dir.
std::string nginx_conf(const std::string& dir, unsigned short port, const std::vector<unsigned short>& nodes);

class NginxProcess {
 public:
  // Writes the config to a new temporary directory; start() runs it.
  NginxProcess(unsigned short port, const std::vector<unsigned short>& nodes);
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  // `nginx -t` on the config.
  ProcessResult test_config() const;
  // Starts nginx and waits (bounded) until /healthz answers through it.
  void start();
  void stop();
  unsigned short port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string error_log() const;

  static std::string binary();  // the nginx executable, or empty when nginx is not installed

 private:
  std::vector<std::string> args() const;
  unsigned short port_;
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace techpulse::test
