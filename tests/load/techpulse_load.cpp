// techpulse-load: a load generator for the gateway and for the peers it is compared with (nginx+nchan, a Node `ws`
// broadcast server). One thread, raw epoll, a hand-rolled minimal WebSocket client: on two cores the load
// generator is often the bottleneck, so a received frame costs a header decode and a memchr, never a JSON parse.
//
// Every run is bounded (setup, measured window and drain each have a deadline) and open loop: message k is due at
// t0 + k/rate whether or not earlier ones were answered, and its latency is measured from that due time (no
// coordinated omission). At --rate 0 it publishes as fast as a window of outstanding messages allows.
// See docs/benchmarks.md.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "gateway/jwt.hpp"

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "techpulse-load: %s\n", why.c_str());
  std::exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Latency histogram: microseconds, log-linear (512 sub-buckets per power of two, under 0.2% error).
class Histogram {
 public:
  Histogram() : counts_(1024 + 40 * 512, 0) {}
  void add(int64_t ns) {
    uint64_t us = ns < 0 ? 0 : uint64_t(ns) / 1000;
    ++counts_[index(us)];
    ++n_;
    max_ = std::max(max_, us);
  }
  uint64_t count() const { return n_; }
  double max_ms() const { return max_ / 1000.0; }
  double percentile_ms(double p) const {
    if (n_ == 0) return 0;
    uint64_t rank = uint64_t(std::ceil(p / 100.0 * double(n_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min<double>(upper(i), double(max_)) / 1000.0;
    }
    return max_ / 1000.0;
  }

 private:
  static size_t index(uint64_t v) {
    if (v < 1024) return size_t(v);
    int shift = 63 - __builtin_clzll(v) - 9;  // v >> shift is in [512, 1024)
    size_t i = 1024 + size_t(shift - 1) * 512 + size_t((v >> shift) - 512);
    return std::min(i, size_t(1024 + 40 * 512 - 1));
  }
  static uint64_t upper(size_t i) {
    if (i < 1024) return i;
    int shift = int((i - 1024) / 512) + 1;
    uint64_t m = (i - 1024) % 512 + 512;
    return ((m + 1) << shift) - 1;
  }
  std::vector<uint64_t> counts_;
  uint64_t n_ = 0;
  uint64_t max_ = 0;
};

// ---------------------------------------------------------------------------------------------------------------
// CPU and memory from /proc.
struct CpuSample {
  int64_t ticks = -1;  // utime + stime
  int64_t at_ns = 0;
};

CpuSample cpu_of(int pid) {
  CpuSample s;
  s.at_ns = now_ns();
  std::string path = pid > 0 ? "/proc/" + std::to_string(pid) + "/stat" : "/proc/self/stat";
  std::ifstream f(path);
  std::string line;
  if (!std::getline(f, line)) return s;
  auto rp = line.rfind(')');
  if (rp == std::string::npos) return s;
  std::istringstream rest(line.substr(rp + 2));
  std::string field;
  // Fields after the command: state(3) ... utime(14) stime(15).
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) s.ticks = std::stoll(field);
    if (i == 15) s.ticks += std::stoll(field);
  }
  return s;
}

double cpu_pct(const CpuSample& a, const CpuSample& b) {
  if (a.ticks < 0 || b.ticks < 0 || b.at_ns <= a.at_ns) return -1;
  double secs = double(b.ticks - a.ticks) / double(sysconf(_SC_CLK_TCK));
  return 100.0 * secs / (double(b.at_ns - a.at_ns) / 1e9);
}

double cpu_seconds(const CpuSample& a, const CpuSample& b) {
  if (a.ticks < 0 || b.ticks < 0) return -1;
  return double(b.ticks - a.ticks) / double(sysconf(_SC_CLK_TCK));
}

// Whole-machine busy time (all cores), in core-percent (200 = both cores busy).
struct SysSample {
  int64_t busy = 0, total = 0;
};
SysSample sys_cpu() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  f >> cpu;
  int64_t v[10] = {};
  for (auto& x : v) f >> x;
  SysSample s;
  for (auto x : v) s.total += x;
  s.busy = s.total - v[3] - v[4];  // minus idle and iowait
  return s;
}

int64_t rss_kib(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// ---------------------------------------------------------------------------------------------------------------
// Options.
struct Options {
  std::string style = "tp";         // tp | nchan | ws | uws (uws: the ws wire, reported as the uWebSockets peer)
  std::string scenario = "fanout";  // fanout | latency | persisted | connections
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token, jwt_secret, sub, role = "admin";
  std::string thread;        // tp fanout: the thread to publish to and subscribe to
  std::string threads_file;  // tp persisted: one thread UUID a line
  std::string channel = "bench";
  int subs = 100;
  int threads = 500;
  double rate = 0;  // messages/s; 0: as fast as the window allows
  int window = 64;
  double duration = 5;
  double drain = 3;
  double setup_timeout = 60;
  int size = 100;  // content bytes
  int conns = 5000;
  int source_ips = 8;
  int connect_concurrency = 256;
  double hold = 2;
  int64_t messages = 0;  // stop publishing after this many (0: no limit); for instruction-count profiles
  int server_pid = 0;
  std::string json_out;
  std::string label;
  bool tls = false;  // wss:// (the certificate is not verified: a benchmark's self-signed one)
};

void usage() {
  std::puts(R"(techpulse-load: load generator for techpulse-gateway and its peers

  --style tp|nchan|ws|uws    tp: protocol v1 (subscribe/send/ack); nchan: WebSocket /sub/<chan>, HTTP POST
                             /pub/<chan>; ws: a broadcast server that echoes every frame to every client;
                             uws: the same wire as ws, reported under its own name (the uWebSockets peer)
  --scenario fanout|latency|persisted|connections
  --host H --port P [--tls]  --tls: wss:// (TLS 1.2+, the server's certificate is not verified)
  --token JWT | --jwt-secret S --sub UUID [--role admin]     (tp)
  --thread UUID              tp fanout/latency: the thread
  --threads-file F           tp persisted: thread UUIDs, one a line (--threads N of them are used)
  --channel NAME             nchan/ws channel (default bench)
  --subs S                   fanout subscribers (default 100)
  --rate R                   messages/s, open loop; 0 = max rate with --window outstanding (default 0)
  --window W                 messages not yet acked and delivered everywhere (default 64)
  --duration SEC             measured window (default 5)   --drain SEC  after it (default 3)
  --size BYTES               message content size (default 100)
  --conns N --source-ips K --connect-concurrency C --hold SEC      (connections)
  --messages N               publish at most N messages (for instruction-count profiles)
  --server-pid PID           the server process for CPU% and RSS
  --json-out FILE            append the run's JSON line to FILE (it is printed on stdout too)
  --label TEXT               copied into the JSON line
)");
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto need = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else if (a == "--style") o.style = need();
    else if (a == "--scenario") o.scenario = need();
    else if (a == "--host") o.host = need();
    else if (a == "--port") o.port = std::stoi(need());
    else if (a == "--token") o.token = need();
    else if (a == "--jwt-secret") o.jwt_secret = need();
    else if (a == "--sub") o.sub = need();
    else if (a == "--role") o.role = need();
    else if (a == "--thread") o.thread = need();
    else if (a == "--threads-file") o.threads_file = need();
    else if (a == "--threads") o.threads = std::stoi(need());
    else if (a == "--channel") o.channel = need();
    else if (a == "--subs") o.subs = std::stoi(need());
    else if (a == "--rate") o.rate = std::stod(need());
    else if (a == "--window") o.window = std::stoi(need());
    else if (a == "--duration") o.duration = std::stod(need());
    else if (a == "--drain") o.drain = std::stod(need());
    else if (a == "--setup-timeout") o.setup_timeout = std::stod(need());
    else if (a == "--size") o.size = std::stoi(need());
    else if (a == "--conns") o.conns = std::stoi(need());
    else if (a == "--source-ips") o.source_ips = std::stoi(need());
    else if (a == "--connect-concurrency") o.connect_concurrency = std::stoi(need());
    else if (a == "--hold") o.hold = std::stod(need());
    else if (a == "--messages") o.messages = std::stoll(need());
    else if (a == "--server-pid") o.server_pid = std::stoi(need());
    else if (a == "--json-out") o.json_out = need();
    else if (a == "--label") o.label = need();
    else if (a == "--tls") o.tls = true;
    else die("unknown argument " + a + " (see --help)");
  }
  if (o.style != "tp" && o.style != "nchan" && o.style != "ws" && o.style != "uws")
    die("--style must be tp, nchan, ws or uws");
  if (o.scenario != "fanout" && o.scenario != "latency" && o.scenario != "persisted" && o.scenario != "connections")
    die("--scenario must be fanout, latency, persisted or connections");
  if (o.scenario == "persisted" && o.style != "tp") die("persisted needs --style tp");
  if (o.duration <= 0 || o.duration > 600 || o.drain < 0 || o.drain > 60) die("--duration must be in (0, 600], --drain in [0, 60]");
  if (o.window < 1 || o.window > 100000) die("--window must be in [1, 100000]");
  if (o.size < 40 || o.size > 60000) die("--size must be in [40, 60000]");
  if (o.subs < 1 || o.subs > 19000 || o.conns < 1 || o.conns > 19500) die("--subs/--conns out of range");
  if (o.style == "tp" && o.token.empty()) {
    if (o.jwt_secret.empty() || o.sub.empty()) die("tp needs --token or --jwt-secret with --sub");
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    o.token = techpulse::gateway::mint_jwt({o.sub, o.role, now + 3600}, o.jwt_secret, now);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Connections.
enum class Kind { ws_sub, ws_pub, http_pub, idle };
enum class State { connecting, tls_handshake, handshake, open, closed };

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;  // --tls
  Kind kind = Kind::ws_sub;
  State state = State::connecting;
  bool ready = false;  // welcomed/subscribed (tp) or upgraded (nchan, ws)
  bool want_out = false;
  int thread = 0;  // persisted: the thread index
  std::string path;
  std::string in;   // bytes of an incomplete frame or header
  std::string out;  // bytes not yet written
};

constexpr size_t kRing = 1 << 20;  // message slots; the window and the open-loop backlog stay below this

class Load {
 public:
  explicit Load(Options o) : o_(std::move(o)) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    tfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kTimerTag;
    epoll_ctl(ep_, EPOLL_CTL_ADD, tfd_, &ev);
    scratch_.resize(1 << 18);
    if (inet_pton(AF_INET, o_.host.c_str(), &dst_.sin_addr) != 1) die("--host must be an IPv4 address");
    dst_.sin_family = AF_INET;
    dst_.sin_port = htons(uint16_t(o_.port));
    if (o_.tls) {
      tls_ = SSL_CTX_new(TLS_client_method());
      if (!tls_) die("SSL_CTX_new failed");
      SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION);
      SSL_CTX_set_verify(tls_, SSL_VERIFY_NONE, nullptr);
      SSL_CTX_set_mode(tls_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
  }

  int run();

 private:
  static constexpr uint64_t kTimerTag = ~uint64_t(0);

  // -- connection plumbing --
  int open_conn(Kind kind, std::string path, int thread, int src_ip);
  void close_conn(int id);
  void poll_once(int timeout_ms);
  void on_event(int id, uint32_t events);
  void on_connected(int id);
  void tls_step(int id);           // drives a TLS handshake; then begin()
  void begin(int id);              // the connection is up (TCP, and TLS with --tls): the upgrade request
  void want_out(int id, bool want);  // EPOLLOUT interest
  void on_readable(int id);
  size_t parse(int id, const char* p, size_t n);
  size_t parse_http(int id, const char* p, size_t n);
  void on_text(int id, const char* p, size_t n);
  void flush(int id);
  void send_ws(int id, std::string_view payload, uint8_t opcode = 0x1);
  void arm_timer(int64_t at_ns);

  // -- scenarios --
  int run_publish();
  int run_connections();
  bool wait_ready(const std::vector<int>& ids, const char* what);
  void publish(int64_t k, int64_t stamp_ns);
  void part_done(int64_t k);
  std::string payload(int64_t k, int64_t stamp_ns);
  void report(const std::string& json);

  Options o_;
  int ep_ = -1, tfd_ = -1;
  sockaddr_in dst_{};
  SSL_CTX* tls_ = nullptr;
  std::vector<Conn> conns_;
  std::vector<char> scratch_;
  std::vector<std::string> threads_;
  std::vector<int> pubs_;  // publisher connection per thread (persisted) or one (fanout)
  int open_count_ = 0, failed_ = 0, closed_ = 0, errors_ = 0, ready_count_ = 0;
  std::string first_error_;

  // message bookkeeping
  int parts_per_msg_ = 0;  // deliveries expected + 1 for the ack
  std::vector<int32_t> left_;
  std::vector<int64_t> sent_at_;
  int64_t published_ = 0, completed_ = 0, acked_ = 0, deliveries_ = 0, in_window_deliveries_ = 0, in_window_acks_ = 0;
  int64_t stray_ = 0;
  std::deque<int64_t> http_fifo_;  // nchan: the message each pending POST carries
  bool measuring_ = false;
  int64_t window_end_ns_ = 0;
  Histogram delivery_lat_, ack_lat_;
};

int Load::open_conn(Kind kind, std::string path, int thread, int src_ip) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (src_ip > 0) {
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl((127u << 24) | uint32_t(src_ip));
    if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) die(std::string("bind: ") + std::strerror(errno));
  }
  int r = connect(fd, reinterpret_cast<sockaddr*>(&dst_), sizeof dst_);
  if (r != 0 && errno != EINPROGRESS) die(std::string("connect: ") + std::strerror(errno));
  int id = int(conns_.size());
  conns_.emplace_back();
  Conn& c = conns_.back();
  c.fd = fd;
  c.kind = kind;
  c.path = std::move(path);
  c.thread = thread;
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN;
  ev.data.u64 = uint64_t(id);
  epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  ++open_count_;
  return id;
}

void Load::close_conn(int id) {
  Conn& c = conns_[id];
  if (c.state == State::closed) return;
  if (c.ready) --ready_count_;
  c.state = State::closed;
  c.ready = false;
  epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
  if (c.ssl) SSL_free(c.ssl);
  c.ssl = nullptr;
  close(c.fd);
  c.fd = -1;
  std::string().swap(c.in);
  std::string().swap(c.out);
  --open_count_;
  ++closed_;
}

void Load::poll_once(int timeout_ms) {
  epoll_event evs[256];
  int n = epoll_wait(ep_, evs, 256, timeout_ms);
  for (int i = 0; i < n; ++i) {
    if (evs[i].data.u64 == kTimerTag) {
      uint64_t x;
      [[maybe_unused]] auto r = read(tfd_, &x, sizeof x);
      continue;
    }
    on_event(int(evs[i].data.u64), evs[i].events);
  }
}

void Load::arm_timer(int64_t at_ns) {
  itimerspec its{};
  its.it_value.tv_sec = at_ns / 1000000000;
  its.it_value.tv_nsec = at_ns % 1000000000;
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  timerfd_settime(tfd_, TFD_TIMER_ABSTIME, &its, nullptr);
}

void Load::on_event(int id, uint32_t events) {
  Conn& c = conns_[id];
  if (c.state == State::closed) return;
  if (c.state == State::connecting) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(id);
    return;
  }
  if (c.state == State::tls_handshake) {
    tls_step(id);
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(id);
  if (conns_[id].state != State::closed && (events & EPOLLOUT)) flush(id);
}

void Load::on_connected(int id) {
  Conn& c = conns_[id];
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    ++failed_;
    if (first_error_.empty()) first_error_ = std::string("connect: ") + std::strerror(err);
    close_conn(id);
    return;
  }
  c.want_out = true;
  want_out(id, false);
  if (tls_) {
    c.ssl = SSL_new(tls_);
    if (!c.ssl) die("SSL_new failed");
    SSL_set_fd(c.ssl, c.fd);
    SSL_set_connect_state(c.ssl);
    c.state = State::tls_handshake;
    tls_step(id);
    return;
  }
  begin(id);
}

void Load::want_out(int id, bool want) {
  Conn& c = conns_[id];
  if (want == c.want_out) return;
  c.want_out = want;
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? uint32_t(EPOLLOUT) : 0u);
  ev.data.u64 = uint64_t(id);
  epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Load::tls_step(int id) {
  Conn& c = conns_[id];
  int r = SSL_do_handshake(c.ssl);
  if (r == 1) {
    want_out(id, false);
    begin(id);
    return;
  }
  int e = SSL_get_error(c.ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    want_out(id, e == SSL_ERROR_WANT_WRITE);
    return;
  }
  ++failed_;
  if (first_error_.empty()) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    first_error_ = std::string("TLS handshake: ") + buf;
  }
  close_conn(id);
}

void Load::begin(int id) {
  Conn& c = conns_[id];
  if (c.kind == Kind::http_pub) {
    c.state = State::open;
    c.ready = true;
    ++ready_count_;
    return;
  }
  c.state = State::handshake;
  std::string host = o_.host + ":" + std::to_string(o_.port);
  c.out = "GET " + c.path + " HTTP/1.1\r\nHost: " + host +
          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "Sec-WebSocket-Version: 13\r\n\r\n";
  flush(id);
}

void Load::flush(int id) {
  Conn& c = conns_[id];
  while (!c.out.empty()) {
    ssize_t w;
    if (c.ssl) {
      int n = SSL_write(c.ssl, c.out.data(), int(std::min<size_t>(c.out.size(), 1 << 30)));
      w = n;
      if (n <= 0) {
        int e = SSL_get_error(c.ssl, n);
        errno = (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) ? EAGAIN : EPIPE;
        w = -1;
      }
    } else {
      w = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    }
    if (w < 0) {
      if (errno == EAGAIN) break;
      if (errno == EINTR) continue;
      ++failed_;
      if (first_error_.empty()) first_error_ = std::string("send: ") + std::strerror(errno);
      close_conn(id);
      return;
    }
    c.out.erase(0, size_t(w));
  }
  want_out(id, !c.out.empty());
}

void Load::send_ws(int id, std::string_view payload, uint8_t opcode) {
  Conn& c = conns_[id];
  char h[14];
  size_t hl = 0;
  h[hl++] = char(0x80 | opcode);
  size_t n = payload.size();
  if (n < 126) {
    h[hl++] = char(0x80 | n);
  } else if (n < 65536) {
    h[hl++] = char(0x80 | 126);
    h[hl++] = char(n >> 8);
    h[hl++] = char(n);
  } else {
    h[hl++] = char(0x80 | 127);
    for (int i = 7; i >= 0; --i) h[hl++] = char(uint64_t(n) >> (8 * i));
  }
  // A zero masking key: legal, and the payload goes out unchanged (no per-byte XOR on the client).
  for (int i = 0; i < 4; ++i) h[hl++] = 0;
  c.out.append(h, hl);
  c.out.append(payload);
}

void Load::on_readable(int id) {
  // Over TLS, records already decrypted (SSL_pending) do not make the socket readable again: they are read now.
  for (int rounds = 0; rounds < 8 || (conns_[id].ssl && SSL_pending(conns_[id].ssl) > 0); ++rounds) {
    Conn& c = conns_[id];
    if (c.state == State::closed) return;
    ssize_t r;
    if (c.ssl) {
      int n = SSL_read(c.ssl, scratch_.data(), int(scratch_.size()));
      r = n;
      if (n <= 0) {
        int e = SSL_get_error(c.ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          errno = EAGAIN;
          r = -1;
        } else if (e == SSL_ERROR_ZERO_RETURN) {
          r = 0;
        } else {
          errno = ECONNRESET;
          r = -1;
        }
      }
    } else {
      r = recv(c.fd, scratch_.data(), scratch_.size(), 0);
    }
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      if (measuring_ || c.state == State::handshake) {
        ++errors_;
        if (first_error_.empty()) first_error_ = r == 0 ? "the server closed a connection" : std::strerror(errno);
      }
      close_conn(id);
      return;
    }
    if (r < 0) return;
    if (c.in.empty()) {
      size_t used = parse(id, scratch_.data(), size_t(r));
      Conn& c2 = conns_[id];
      if (c2.state != State::closed && used < size_t(r)) c2.in.assign(scratch_.data() + used, size_t(r) - used);
    } else {
      c.in.append(scratch_.data(), size_t(r));
      std::string buf;
      buf.swap(c.in);
      size_t used = parse(id, buf.data(), buf.size());
      Conn& c2 = conns_[id];
      if (c2.state != State::closed && used < buf.size()) c2.in.assign(buf.data() + used, buf.size() - used);
    }
    if (size_t(r) < scratch_.size()) return;
  }
}

// Returns the bytes consumed; an incomplete frame stays for the next read.
size_t Load::parse(int id, const char* p, size_t n) {
  size_t pos = 0;
  if (conns_[id].kind == Kind::http_pub) return parse_http(id, p, n);
  if (conns_[id].state == State::handshake) {
    std::string_view v(p, n);
    auto end = v.find("\r\n\r\n");
    if (end == std::string_view::npos) return 0;
    if (v.substr(0, 12) != "HTTP/1.1 101") {
      ++failed_;
      if (first_error_.empty()) first_error_ = "handshake refused: " + std::string(v.substr(0, std::min<size_t>(n, 300)));
      close_conn(id);
      return n;
    }
    Conn& c = conns_[id];
    c.state = State::open;
    if (o_.style != "tp") {
      c.ready = true;
      ++ready_count_;
    }
    pos = end + 4;
  }
  while (pos + 2 <= n) {
    auto b0 = uint8_t(p[pos]), b1 = uint8_t(p[pos + 1]);
    size_t hl = 2;
    uint64_t len = b1 & 0x7f;
    if (len == 126) {
      if (pos + 4 > n) break;
      len = (uint64_t(uint8_t(p[pos + 2])) << 8) | uint8_t(p[pos + 3]);
      hl = 4;
    } else if (len == 127) {
      if (pos + 10 > n) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | uint8_t(p[pos + 2 + i]);
      hl = 10;
    }
    if (b1 & 0x80) hl += 4;  // servers do not mask; tolerate it anyway
    if (pos + hl + len > n) break;
    const char* body = p + pos + hl;
    uint8_t op = b0 & 0x0f;
    pos += hl + len;
    if (op == 0x1 || op == 0x0) {
      on_text(id, body, size_t(len));
    } else if (op == 0x9) {
      send_ws(id, std::string_view(body, size_t(len)), 0xA);
      flush(id);
    } else if (op == 0x8) {
      if (measuring_) {
        ++errors_;
        if (first_error_.empty()) {
          first_error_ = "close frame from the server";
          if (len > 2) first_error_ += ": " + std::string(body + 2, size_t(len) - 2);
        }
      }
      close_conn(id);
      return n;
    }
    if (conns_[id].state == State::closed) return n;
  }
  return pos;
}

size_t Load::parse_http(int id, const char* p, size_t n) {
  size_t pos = 0;
  std::string_view v(p, n);
  for (;;) {
    auto end = v.find("\r\n\r\n", pos);
    if (end == std::string_view::npos) break;
    std::string_view head = v.substr(pos, end - pos);
    size_t body = 0;
    // Content-Length, case-insensitively.
    for (size_t i = head.find('\n'); i != std::string_view::npos; i = head.find('\n', i + 1)) {
      if (head.size() > i + 16 && strncasecmp(head.data() + i + 1, "content-length:", 15) == 0) {
        body = size_t(std::strtoull(head.data() + i + 16, nullptr, 10));
      }
    }
    if (end + 4 + body > n) break;
    bool ok = head.size() > 12 && head[9] == '2';
    pos = end + 4 + body;
    if (http_fifo_.empty()) {
      ++stray_;
      continue;
    }
    int64_t k = http_fifo_.front();
    http_fifo_.pop_front();
    if (!ok) {
      ++errors_;
      if (first_error_.empty()) first_error_ = "publish refused: " + std::string(head.substr(0, 100));
    }
    ack_lat_.add(now_ns() - sent_at_[k % kRing]);
    ++acked_;
    if (measuring_) ++in_window_acks_;
    part_done(k);
  }
  return pos;
}

// Parses "@<k>:<ns>@" out of a message; returns false when there is none.
bool find_stamp(const char* p, size_t n, int64_t& k, int64_t& ns) {
  const char* at = static_cast<const char*>(std::memchr(p, '@', n));
  if (!at) return false;
  const char* end = p + n;
  const char* q = at + 1;
  int64_t a = 0, b = 0;
  while (q < end && *q >= '0' && *q <= '9') a = a * 10 + (*q++ - '0');
  if (q >= end || *q != ':') return false;
  ++q;
  while (q < end && *q >= '0' && *q <= '9') b = b * 10 + (*q++ - '0');
  if (q >= end || *q != '@') return false;
  k = a;
  ns = b;
  return true;
}

void Load::on_text(int id, const char* p, size_t n) {
  Conn& c = conns_[id];
  int64_t now = now_ns();
  if (o_.style == "tp") {
    // Server frames start with {"type":"<type>": look at the type only.
    std::string_view v(p, std::min<size_t>(n, 24));
    if (v.substr(0, 9) != "{\"type\":\"") {
      ++stray_;
      return;
    }
    std::string_view t = v.substr(9);
    if (t.rfind("message\"", 0) == 0) {
      int64_t k, ns;
      if (!find_stamp(p, n, k, ns)) {
        ++stray_;
        return;
      }
      delivery_lat_.add(now - ns);
      ++deliveries_;
      if (measuring_ && now <= window_end_ns_) ++in_window_deliveries_;
      part_done(k);
    } else if (t.rfind("ack\"", 0) == 0) {
      // {"type":"ack","ref":"<k>",...
      std::string_view w(p, n);
      auto r = w.find("\"ref\":\"");
      if (r == std::string_view::npos) return;
      int64_t k = std::strtoll(p + r + 7, nullptr, 10);
      ack_lat_.add(now - sent_at_[k % kRing]);
      ++acked_;
      if (measuring_ && now <= window_end_ns_) ++in_window_acks_;
      part_done(k);
    } else if (t.rfind("welcome\"", 0) == 0) {
      if (c.kind == Kind::ws_sub) {
        std::string topic = "thread:" + (o_.scenario == "persisted" ? threads_[c.thread] : o_.thread);
        send_ws(id, "{\"type\":\"subscribe\",\"ref\":\"s\",\"topic\":\"" + topic + "\"}");
        flush(id);
      } else {
        c.ready = true;
        ++ready_count_;
      }
    } else if (t.rfind("subscribed\"", 0) == 0) {
      c.ready = true;
      ++ready_count_;
    } else if (t.rfind("error\"", 0) == 0) {
      ++errors_;
      if (first_error_.empty()) first_error_ = std::string(p, std::min<size_t>(n, 300));
      // A refused send still completes its slot, so the window does not stall.
      std::string_view w(p, n);
      auto r = w.find("\"ref\":\"");
      if (r != std::string_view::npos && p[r + 7] >= '0' && p[r + 7] <= '9') {
        int64_t k = std::strtoll(p + r + 7, nullptr, 10);
        ++acked_;
        while (left_[k % kRing] > 0) part_done(k);
      }
    } else {
      ++stray_;
    }
    return;
  }
  // nchan and ws: the frame is the message itself.
  int64_t k, ns;
  if (!find_stamp(p, n, k, ns)) {
    ++stray_;
    return;
  }
  if (c.kind == Kind::ws_pub) {  // ws: the publisher's own echo is its ack
    ack_lat_.add(now - sent_at_[k % kRing]);
    ++acked_;
    if (measuring_ && now <= window_end_ns_) ++in_window_acks_;
  } else {
    delivery_lat_.add(now - ns);
    ++deliveries_;
    if (measuring_ && now <= window_end_ns_) ++in_window_deliveries_;
  }
  part_done(k);
}

void Load::part_done(int64_t k) {
  int32_t& left = left_[k % kRing];
  if (left <= 0) return;
  if (--left == 0) ++completed_;
}

std::string Load::payload(int64_t k, int64_t stamp_ns) {
  std::string s = "@" + std::to_string(k) + ":" + std::to_string(stamp_ns) + "@ ";
  if (int(s.size()) < o_.size) s.append(size_t(o_.size) - s.size(), 'x');
  return s;
}

void Load::publish(int64_t k, int64_t stamp_ns) {
  left_[k % kRing] = parts_per_msg_;
  sent_at_[k % kRing] = stamp_ns;
  ++published_;
  if (o_.style == "tp") {
    int pub;
    std::string thread;
    if (o_.scenario == "persisted") {
      int t = int(k % int64_t(pubs_.size()));
      pub = pubs_[t];
      thread = threads_[t];
    } else {
      pub = pubs_[0];
      thread = o_.thread;
    }
    std::string f = "{\"type\":\"send\",\"ref\":\"" + std::to_string(k) + "\",\"thread_id\":\"" + thread +
                    "\",\"content\":\"" + payload(k, stamp_ns) + "\"}";
    send_ws(pub, f);
  } else if (o_.style == "nchan") {
    std::string body = payload(k, stamp_ns);
    auto& out = conns_[pubs_[0]].out;
    out += "POST /pub/" + o_.channel + " HTTP/1.1\r\nHost: " + o_.host + "\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    http_fifo_.push_back(k);
  } else {
    send_ws(pubs_[0], payload(k, stamp_ns));
  }
}

bool Load::wait_ready(const std::vector<int>& ids, const char* what) {
  int64_t deadline = now_ns() + int64_t(o_.setup_timeout * 1e9);
  for (;;) {
    int ready = 0, dead = 0;
    for (int id : ids) {
      ready += conns_[id].ready;
      dead += conns_[id].state == State::closed;
    }
    if (ready == int(ids.size())) return true;
    if (dead > 0) {
      std::fprintf(stderr, "techpulse-load: %d of %zu %s connections failed: %s\n", dead, ids.size(), what,
                   first_error_.c_str());
      return false;
    }
    if (now_ns() > deadline) {
      std::fprintf(stderr, "techpulse-load: only %d of %zu %s connections ready after %.0f s\n", ready, ids.size(), what,
                   o_.setup_timeout);
      return false;
    }
    poll_once(50);
  }
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (uint8_t(ch) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", ch);
      out += b;
    } else {
      out += ch;
    }
  }
  return out;
}

void Load::report(const std::string& json) {
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
  if (!o_.json_out.empty()) {
    std::ofstream f(o_.json_out, std::ios::app);
    f << json << "\n";
  }
}

std::string fmt_num(double v, int prec = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

std::string hist_json(const char* name, const Histogram& h) {
  std::string s = std::string("\"") + name + "\":{\"n\":" + std::to_string(h.count());
  s += ",\"p50\":" + fmt_num(h.percentile_ms(50), 3) + ",\"p90\":" + fmt_num(h.percentile_ms(90), 3) +
       ",\"p99\":" + fmt_num(h.percentile_ms(99), 3) + ",\"p999\":" + fmt_num(h.percentile_ms(99.9), 3) +
       ",\"max\":" + fmt_num(h.max_ms(), 3) + "}";
  return s;
}

std::string hist_text(const Histogram& h) {
  return "p50 " + fmt_num(h.percentile_ms(50), 2) + " ms, p90 " + fmt_num(h.percentile_ms(90), 2) + " ms, p99 " +
         fmt_num(h.percentile_ms(99), 2) + " ms, p99.9 " + fmt_num(h.percentile_ms(99.9), 2) + " ms, max " +
         fmt_num(h.max_ms(), 2) + " ms (n=" + std::to_string(h.count()) + ")";
}

int Load::run() {
  if (o_.scenario == "connections") return run_connections();
  return run_publish();
}

int Load::run_publish() {
  left_.assign(kRing, 0);
  sent_at_.assign(kRing, 0);
  bool persisted = o_.scenario == "persisted";
  std::string tok = "?access_token=" + o_.token;
  std::vector<int> setup;
  if (persisted) {
    std::ifstream f(o_.threads_file);
    std::string line;
    while (std::getline(f, line) && int(threads_.size()) < o_.threads) {
      if (!line.empty()) threads_.push_back(line);
    }
    if (threads_.empty()) die("--threads-file gave no thread ids");
    parts_per_msg_ = 2;  // the ack and the one subscriber of the thread
    for (int t = 0; t < int(threads_.size()); ++t) {
      setup.push_back(open_conn(Kind::ws_sub, "/v1/ws" + tok, t, 0));
      int p = open_conn(Kind::ws_pub, "/v1/ws" + tok, t, 0);
      pubs_.push_back(p);
      setup.push_back(p);
      if (t % 100 == 99) poll_once(0);
    }
  } else {
    if (o_.style == "tp" && o_.thread.empty()) die("--thread is required with --style tp");
    parts_per_msg_ = o_.subs + 1;
    std::string sub_path = o_.style == "tp" ? "/v1/ws" + tok : o_.style == "nchan" ? "/sub/" + o_.channel : "/";
    for (int i = 0; i < o_.subs; ++i) {
      setup.push_back(open_conn(Kind::ws_sub, sub_path, 0, 0));
      if (i % 100 == 99) poll_once(0);
    }
    int p = o_.style == "nchan" ? open_conn(Kind::http_pub, "", 0, 0) : open_conn(Kind::ws_pub, o_.style == "tp" ? "/v1/ws" + tok : "/", 0, 0);
    pubs_.push_back(p);
    setup.push_back(p);
  }
  if (!wait_ready(setup, "client")) return 1;

  // The measured window.
  int64_t t0 = now_ns();
  int64_t dur = int64_t(o_.duration * 1e9);
  window_end_ns_ = t0 + dur;
  int64_t drain_end = window_end_ns_ + int64_t(o_.drain * 1e9);
  auto cpu_client0 = cpu_of(0);
  auto cpu_server0 = cpu_of(o_.server_pid);
  auto sys0 = sys_cpu();
  measuring_ = true;
  double interval_ns = o_.rate > 0 ? 1e9 / o_.rate : 0;
  // Open loop: at most this many messages may be outstanding before the run counts as overloaded.
  int64_t backlog_cap = o_.rate > 0 ? int64_t(kRing / 2) : o_.window;
  int64_t k = 0;
  int64_t late = 0;
  bool overloaded = false;
  CpuSample cpu_client1, cpu_server1;
  SysSample sys1;
  bool window_closed = false;
  for (;;) {
    int64_t now = now_ns();
    if (!window_closed && now >= window_end_ns_) {
      window_closed = true;
      cpu_client1 = cpu_of(0);
      cpu_server1 = cpu_of(o_.server_pid);
      sys1 = sys_cpu();
    }
    if (!window_closed && o_.messages > 0 && k >= o_.messages) {
      window_end_ns_ = now;  // all sent: the window ends here, the drain waits for the deliveries
      continue;
    }
    if (!window_closed) {
      int64_t n_pub = 0;
      if (o_.rate > 0) {
        while (now >= t0 + int64_t(double(k) * interval_ns) && (o_.messages == 0 || k < o_.messages)) {
          if (published_ - completed_ >= backlog_cap) {
            overloaded = true;
            break;
          }
          int64_t due = t0 + int64_t(double(k) * interval_ns);
          if (now - due > 1000000) ++late;
          publish(k++, due);
          if (++n_pub >= 4096) break;
        }
      } else {
        while (published_ - completed_ < o_.window && n_pub < 4096 && (o_.messages == 0 || k < o_.messages)) {
          publish(k++, now);
          ++n_pub;
        }
      }
      if (n_pub) {
        for (int p : pubs_) {
          if (!conns_[p].out.empty()) flush(p);
        }
      }
    } else if (completed_ == published_ || now >= drain_end) {
      break;
    }
    if (open_count_ < int(setup.size()) && conns_[pubs_[0]].state == State::closed) break;
    int timeout = 50;
    if (!window_closed && o_.rate > 0) {
      int64_t next = t0 + int64_t(double(k) * interval_ns);
      if (overloaded) next = now + 1000000;
      arm_timer(std::min(next, window_end_ns_));
    } else if (!window_closed) {
      arm_timer(window_end_ns_);
    }
    poll_once(timeout);
    if (overloaded) {
      // In open loop the backlog keeps growing; stop at the cap rather than grow without bound.
      overloaded = published_ - completed_ >= backlog_cap;
    }
  }
  measuring_ = false;

  double secs = double(window_end_ns_ - t0) / 1e9;
  double client_cpu = cpu_pct(cpu_client0, cpu_client1);
  double server_cpu = cpu_pct(cpu_server0, cpu_server1);
  double server_cpu_s = cpu_seconds(cpu_server0, cpu_server1);
  double sys_pct = 100.0 * double(sys1.busy - sys0.busy) / double(std::max<int64_t>(1, sys1.total - sys0.total)) *
                   double(sysconf(_SC_NPROCESSORS_ONLN));
  int64_t rss = rss_kib(o_.server_pid);
  int64_t expected = persisted ? published_ : published_ * o_.subs;
  double deliv_rate = double(in_window_deliveries_) / secs;
  double ack_rate = double(in_window_acks_) / secs;
  double per_cpu_s = server_cpu_s > 0 ? double(in_window_deliveries_) / server_cpu_s : -1;
  int64_t lost = expected - deliveries_;

  std::string la = loadavg();
  std::printf("== %s %s%s: %s, %.1f s window%s\n", o_.style.c_str(), o_.scenario.c_str(),
              o_.label.empty() ? "" : (" [" + o_.label + "]").c_str(),
              persisted ? (std::to_string(threads_.size()) + " threads (sender + subscriber each)").c_str()
                        : ("S=" + std::to_string(o_.subs)).c_str(),
              secs, o_.rate > 0 ? (", open loop at " + fmt_num(o_.rate, 0) + " msg/s").c_str()
                                : (", max rate, window " + std::to_string(o_.window)).c_str());
  std::printf("  published %lld, acked %lld (%.0f/s), deliveries %lld of %lld (%.0f/s in window), missing %lld\n",
              (long long)published_, (long long)acked_, ack_rate, (long long)deliveries_, (long long)expected, deliv_rate,
              (long long)lost);
  std::printf("  send->receive: %s\n", hist_text(delivery_lat_).c_str());
  std::printf("  send->ack:     %s\n", hist_text(ack_lat_).c_str());
  std::printf("  CPU: client %.0f%%, server %.0f%%, machine %.0f%% of 200%%; server RSS %lld KiB; %s deliveries per server "
              "CPU-second\n",
              client_cpu, server_cpu, sys_pct, (long long)rss, per_cpu_s > 0 ? fmt_num(per_cpu_s, 0).c_str() : "n/a");
  if (late) std::printf("  %lld sends went out more than 1 ms after their due time (client could not keep up)\n", (long long)late);
  if (errors_ || failed_) std::printf("  errors %d, failed connections %d, first: %s\n", errors_, failed_, first_error_.c_str());
  std::printf("  loadavg %s\n", la.c_str());

  std::string j = "{\"tool\":\"techpulse-load\",\"scenario\":\"" + o_.scenario + "\",\"style\":\"" + o_.style +
                  "\",\"label\":\"" + json_escape(o_.label) + "\"";
  j += ",\"subs\":" + std::to_string(persisted ? 0 : o_.subs) + ",\"threads\":" + std::to_string(threads_.size());
  j += ",\"rate\":" + fmt_num(o_.rate, 0) + ",\"window\":" + std::to_string(o_.window) + ",\"size\":" + std::to_string(o_.size);
  j += ",\"duration_s\":" + fmt_num(secs, 2) + ",\"published\":" + std::to_string(published_) +
       ",\"acked\":" + std::to_string(acked_) + ",\"acks_per_s\":" + fmt_num(ack_rate, 0) +
       ",\"deliveries\":" + std::to_string(deliveries_) + ",\"expected\":" + std::to_string(expected) +
       ",\"deliveries_per_s\":" + fmt_num(deliv_rate, 0) + ",\"missing\":" + std::to_string(lost) +
       ",\"late_sends\":" + std::to_string(late);
  j += "," + hist_json("latency_ms", delivery_lat_) + "," + hist_json("ack_ms", ack_lat_);
  j += ",\"client_cpu_pct\":" + fmt_num(client_cpu) + ",\"server_cpu_pct\":" + fmt_num(server_cpu) +
       ",\"machine_cpu_pct\":" + fmt_num(sys_pct) + ",\"server_rss_kib\":" + std::to_string(rss) +
       ",\"deliveries_per_server_cpu_s\":" + fmt_num(per_cpu_s, 0);
  j += ",\"errors\":" + std::to_string(errors_) + ",\"failed_connections\":" + std::to_string(failed_) +
       ",\"first_error\":\"" + json_escape(first_error_) + "\",\"loadavg\":\"" + la + "\"}";
  report(j);
  for (size_t i = 0; i < conns_.size(); ++i) close_conn(int(i));
  return 0;
}

int Load::run_connections() {
  std::string path = o_.style == "tp" ? "/v1/ws?access_token=" + o_.token : o_.style == "nchan" ? "/sub/" + o_.channel : "/";
  int64_t rss0 = rss_kib(o_.server_pid);
  auto cpu_server0 = cpu_of(o_.server_pid);
  int64_t t0 = now_ns();
  int64_t deadline = t0 + int64_t(o_.setup_timeout * 1e9);
  std::vector<int> ids;
  ids.reserve(size_t(o_.conns));
  int next = 0;
  int ips = std::max(1, std::min(o_.source_ips, 250));
  int64_t t_ready = 0;
  while (now_ns() < deadline) {
    // Keep at most connect_concurrency handshakes in flight.
    int in_flight = int(ids.size()) - ready_count_ - (failed_ + errors_);
    while (next < o_.conns && in_flight < o_.connect_concurrency) {
      ids.push_back(open_conn(Kind::idle, path, 0, 1 + next % ips));
      ++next;
      ++in_flight;
    }
    if (ready_count_ + failed_ + errors_ >= o_.conns) break;
    poll_once(10);
  }
  t_ready = now_ns();
  int ready = ready_count_;
  double connect_secs = double(t_ready - t0) / 1e9;
  // Hold the connections idle, answering pings, then read the server's RSS.
  int64_t hold_end = now_ns() + int64_t(o_.hold * 1e9);
  while (now_ns() < hold_end) poll_once(50);
  int64_t rss1 = rss_kib(o_.server_pid);
  auto cpu_server1 = cpu_of(o_.server_pid);
  int still_open = ready_count_;
  double per_conn = ready > 0 && rss0 >= 0 ? double(rss1 - rss0) / ready : -1;
  std::string la = loadavg();
  std::printf("== %s connections%s: %d of %d ready in %.2f s (%.0f connects/s, %d source addresses), %d still open after "
              "%.1f s idle\n",
              o_.style.c_str(), o_.label.empty() ? "" : (" [" + o_.label + "]").c_str(), ready, o_.conns, connect_secs,
              ready / connect_secs, ips, still_open, o_.hold);
  std::printf("  server RSS %lld KiB before, %lld KiB after: %.2f KiB per connection; server CPU during %.0f%%\n",
              (long long)rss0, (long long)rss1, per_conn, cpu_pct(cpu_server0, cpu_server1));
  if (errors_ || failed_) std::printf("  errors %d, failed connections %d, first: %s\n", errors_, failed_, first_error_.c_str());
  std::printf("  loadavg %s\n", la.c_str());
  std::string j = "{\"tool\":\"techpulse-load\",\"scenario\":\"connections\",\"style\":\"" + o_.style + "\",\"label\":\"" +
                  json_escape(o_.label) + "\",\"conns\":" + std::to_string(o_.conns) + ",\"ready\":" + std::to_string(ready) +
                  ",\"still_open\":" + std::to_string(still_open) + ",\"source_ips\":" + std::to_string(ips) +
                  ",\"connect_s\":" + fmt_num(connect_secs, 3) + ",\"connects_per_s\":" + fmt_num(ready / connect_secs, 0) +
                  ",\"rss_before_kib\":" + std::to_string(rss0) + ",\"rss_after_kib\":" + std::to_string(rss1) +
                  ",\"rss_per_conn_kib\":" + fmt_num(per_conn, 2) + ",\"errors\":" + std::to_string(errors_) +
                  ",\"failed_connections\":" + std::to_string(failed_) + ",\"first_error\":\"" + json_escape(first_error_) +
                  "\",\"loadavg\":\"" + la + "\"}";
  report(j);
  for (size_t i = 0; i < conns_.size(); ++i) close_conn(int(i));
  return ready == o_.conns ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  Load load(std::move(o));
  return load.run();
}
