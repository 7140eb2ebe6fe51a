#include "gateway/transport/conn_limits.hpp"

namespace techpulse::gateway {

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    address_ = std::move(o.address_);
    o.owner_ = nullptr;
  }
  return *this;
}

void ConnectionSlot::release() {
  if (owner_) owner_->release(address_);
  owner_ = nullptr;
}

ConnectionLimiter::Verdict ConnectionLimiter::acquire(const std::string& address, ConnectionSlot& slot) {
  {
    std::lock_guard lock(mu_);
    if (max_total_ && total_ >= max_total_) return Verdict::global_cap;
    auto it = per_address_.find(address);
    if (max_per_address_ && it != per_address_.end() && it->second >= max_per_address_) return Verdict::address_cap;
    if (it == per_address_.end()) it = per_address_.emplace(address, 0).first;
    ++it->second;
    ++total_;
  }
  slot = ConnectionSlot(this, address);
  return Verdict::ok;
}

void ConnectionLimiter::release(const std::string& address) {
  std::lock_guard lock(mu_);
  --total_;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

size_t ConnectionLimiter::open() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace techpulse::gateway
