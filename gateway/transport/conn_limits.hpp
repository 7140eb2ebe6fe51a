#pragma once
// Connection caps: a global one and one per client address. A slot is taken at accept and given back when the
// connection ends (the HTTP exchange, or the WebSocket session it became). Taken on the accepting loop, given back
// on any loop: a mutex guards the counts; it is touched once per connect and once per disconnect, never per frame.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace techpulse::gateway {

class ConnectionLimiter;

// Held for the life of one connection; releases on destruction. Move-only.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionLimiter* owner, std::string address) : owner_(owner), address_(std::move(address)) {}
  ConnectionSlot(ConnectionSlot&& o) noexcept : owner_(o.owner_), address_(std::move(o.address_)) { o.owner_ = nullptr; }
  ConnectionSlot& operator=(ConnectionSlot&& o) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { release(); }
  void release();

 private:
  ConnectionLimiter* owner_ = nullptr;
  std::string address_;
};

class ConnectionLimiter {
 public:
  enum class Verdict { ok, global_cap, address_cap };

  // A cap of 0 means no cap.
  ConnectionLimiter(size_t max_total, size_t max_per_address) : max_total_(max_total), max_per_address_(max_per_address) {}

  // Takes a slot for a connection from `address`, or says which cap refused it (slot untouched).
  Verdict acquire(const std::string& address, ConnectionSlot& slot);
  size_t open() const;

 private:
  friend class ConnectionSlot;
  void release(const std::string& address);

  const size_t max_total_;
  const size_t max_per_address_;
  mutable std::mutex mu_;
  size_t total_ = 0;
  std::unordered_map<std::string, size_t> per_address_;
};

}  // namespace techpulse::gateway
