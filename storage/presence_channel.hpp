#pragma once
// The tp_presence channel: the payload format of the messages nodes exchange about presence (pure functions), and
// the publisher that sends one node's messages in order on a connection of its own (tp_presence_publish,
// 007_conversation.sql). Every node LISTENs on tp_presence through the Listener (RealtimeSink::on_presence).
//
// Payload: '<kind>|<node>|<n>[|fields]', n counting the sender's messages from 1 (a receiver that sees a gap asks
// for the sender's state). topic, key and ref are %-escaped ('%' and '|'); meta is the rest of the payload.
//   J|node|n|topic|key|ref|meta   a session joined a topic        L|node|n|topic|key|ref   it left
//   H|node|n                      heartbeat (every heartbeat_ms/2)  X|node|n                 the node stops
//   Q|node|n|target               asks target (a node id, or *) for its whole state
//   B|node|n  S|node|n|topic|key|ref|meta ...  E|node|n           the sender's whole state, replacing what was known
#include <boost/asio/awaitable.hpp>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/pg_conn.hpp"

namespace techpulse::storage {

struct PresenceMessage {
  enum Kind : char {
    join = 'J', leave = 'L', heartbeat = 'H', stop = 'X', request = 'Q', begin = 'B', entry = 'S', end = 'E'
  };
  Kind kind = heartbeat;
  std::string node;
  uint64_t n = 0;
  std::string topic;   // J, L, S
  std::string key;     // J, L, S
  std::string ref;     // J, L, S
  std::string meta;    // J, S
  std::string target;  // Q
};

// Largest payload NOTIFY takes (8000 bytes) with a margin.
constexpr size_t kMaxPresencePayload = 7900;

// nullopt when the payload would pass kMaxPresencePayload.
std::optional<std::string> encode_presence(const PresenceMessage& m);
// nullopt for anything malformed.
std::optional<PresenceMessage> parse_presence(std::string_view payload);

// Sends this node's presence messages in the order given, on one connection, batching what queued meanwhile into
// one statement. A message that cannot be sent (the database is away) is dropped: receivers see the gap in n and
// ask for the state again, and a node silent for too long is expired by the others.
class PresencePublisher {
 public:
  PresencePublisher(asio::any_io_executor ex, std::string conninfo, Millis timeout);
  ~PresencePublisher();
  // Call on ex's thread.
  void publish(std::string payload);
  void start();
  void stop();

 private:
  asio::awaitable<void> run();
  struct State;
  std::shared_ptr<State> st_;
};

}  // namespace techpulse::storage
