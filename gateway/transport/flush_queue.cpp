#include "gateway/transport/flush_queue.hpp"

#include <boost/asio/post.hpp>

namespace techpulse::gateway {

FlushQueue& FlushQueue::of(boost::asio::io_context& ioc, const std::atomic<std::size_t>* backlog) {
  auto& queue = boost::asio::use_service<FlushQueue>(ioc);
  if (!queue.backlog_) queue.backlog_ = backlog;
  return queue;
}

FlushQueue::FlushQueue(boost::asio::execution_context& ctx)
    : boost::asio::execution_context::service(ctx), ioc_(static_cast<boost::asio::io_context&>(ctx)) {}

void FlushQueue::shutdown() {
  // Moved out first: an owner's destructor may not add itself to a queue being cleared.
  auto pending = std::move(pending_);
  auto running = std::move(running_);
}

void FlushQueue::add(FlushTarget& t, std::shared_ptr<void> keep) {
  pending_.push_back({&t, std::move(keep)});
  if (!posted_) post();
}

void FlushQueue::post() {
  posted_ = true;
  boost::asio::post(ioc_, [this] { run(); });
}

void FlushQueue::run() {
  if (!waited_ && backlog_ && backlog_->load(std::memory_order_relaxed) > 0) {
    // The inbox's drain is queued ahead of this second post: the frames it queues join these writes.
    waited_ = true;
    post();
    return;
  }
  posted_ = false;
  waited_ = false;
  // Sockets added while these are written (a write's handler queues more) wait for the next turn.
  running_.swap(pending_);
  for (auto& e : running_) e.target->flush_now();
  running_.clear();
}

}  // namespace techpulse::gateway
