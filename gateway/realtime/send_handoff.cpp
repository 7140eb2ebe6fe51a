#include "gateway/realtime/send_handoff.hpp"

#include <boost/asio/post.hpp>

namespace techpulse::gateway::realtime {

void SendHandoff::add(storage::ChatStore& store, storage::NewMessage m, std::function<void(storage::SendOutcome)> done) {
  store_ = &store;
  items_.push_back(Item{std::move(m), std::move(done)});
  if (items_.size() == 1) boost::asio::post(ioc_, [this] { flush(); });
}

void SendHandoff::flush() {
  if (items_.empty()) return;
  boost::asio::post(store_->executor(), [store = store_, items = std::move(items_)]() mutable {
    for (auto& it : items) store->submit(std::move(it.m), std::move(it.done));
  });
  items_.clear();  // moved from: empty again, with no capacity kept for an idle loop
}

}  // namespace techpulse::gateway::realtime
