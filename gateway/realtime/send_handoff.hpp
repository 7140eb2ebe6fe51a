#pragma once
// The sends of one loop's sessions on their way to the storage loop. Those made in one turn (the frames of one
// read, or of several sessions' reads) travel in one hand-off, so the writer takes them into one transaction: posted
// one by one, the storage thread could wake on the first and commit it alone while the others were still being
// posted, and a burst became a transaction of one and a transaction of the rest, each with its own fan-out round.
// A hand-off waits for nothing: the transport calls flush() when it has handed over a read's frames, and the first
// send of a turn also posts a flush to the loop, which finds nothing left when the transport's came first.
// Lives on its loop; not thread-safe.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <vector>

#include "storage/chat_store.hpp"

namespace techpulse::gateway::realtime {

class SendHandoff {
 public:
  explicit SendHandoff(boost::asio::io_context& ioc) : ioc_(ioc) {}

  // `done` is called on the storage loop with the send's outcome. One store for every send of a loop.
  void add(storage::ChatStore& store, storage::NewMessage m, std::function<void(storage::SendOutcome)> done);
  // Hands what was added over to the storage loop, in the order it was added.
  void flush();

 private:
  struct Item {
    storage::NewMessage m;
    std::function<void(storage::SendOutcome)> done;
  };
  boost::asio::io_context& ioc_;
  storage::ChatStore* store_ = nullptr;
  std::vector<Item> items_;
};

}  // namespace techpulse::gateway::realtime
