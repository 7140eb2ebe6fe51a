#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "storage/chat_store.hpp"

namespace techpulse::gateway::realtime {

// Runs a storage coroutine on the storage loop and resumes on the caller's loop.
template <class T>
boost::asio::awaitable<T> on_store(storage::ChatStore& store, boost::asio::awaitable<T> op) {
  co_return co_await boost::asio::co_spawn(store.executor(), std::move(op), boost::asio::use_awaitable);
}

}  // namespace techpulse::gateway::realtime
