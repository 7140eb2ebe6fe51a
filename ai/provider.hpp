#pragma once
// A provider turns a question, its context and the retrieved passages into streamed text.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ai/assistant.hpp"
#include "storage/assistant_store.hpp"

namespace techpulse::ai {

namespace asio = boost::asio;

// Shared by the turn's driver and its provider, on one worker thread.
struct TurnControl {
  bool cancelled = false;
  std::function<void()> abort;                 // set by the provider: stop what is in flight (close the socket)
  std::function<void(std::string)> emit;       // set by the driver: one piece of streamed text
  bool emitted = false;                        // some text has been streamed (a retry would repeat it)
  void cancel() {
    cancelled = true;
    if (abort) abort();
  }
};

struct ProviderResult {
  enum Code { ok, provider_error, timeout, cancelled } code = ok;
  std::string text;     // the whole answer (ok)
  std::string message;  // why it failed
  std::string model;
};

struct TurnRequest {
  const storage::TurnInput& turn;
  const storage::Retrieval& retrieval;
  double confidence = 0;  // from retrieval
  bool relevant = false;  // retrieval found something worth citing
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  virtual asio::awaitable<ProviderResult> run(const TurnRequest& req, std::shared_ptr<TurnControl> ctl) = 0;
};

std::unique_ptr<Provider> make_extractive();
std::unique_ptr<Provider> make_openai(const Options& opts, asio::any_io_executor ex);

// Retrieval scores (ts_rank_cd, vehicle boost) → confidence in [0, 1]; below kRelevantScore nothing is cited.
constexpr double kRelevantScore = 2.0;
double confidence_from(const storage::Retrieval& r);

// The passages an answer cites, in citation order ([1], [2], ...): the best one and up to two more that score at
// least 60% as well. None when retrieval found nothing relevant.
std::vector<size_t> cited_passages(const TurnRequest& req);
// The extractive answer text (deterministic), exposed for tests.
std::string compose_extractive(const TurnRequest& req);
// Splits text into pieces of about `size` bytes at spaces, never inside a UTF-8 sequence.
std::vector<std::string> chunk_text(const std::string& text, size_t size);

// The chat/completions request body for a turn: system prompt (vehicle, ticket, passages), recent messages and
// the question, within budget_chars.
std::string build_chat_request(const TurnRequest& req, const std::string& model, int budget_chars);

// Server-sent events: feed bytes, get the data of each complete event.
class SseParser {
 public:
  // Appends bytes; returns the data fields of the events completed by them.
  std::vector<std::string> feed(std::string_view bytes);

 private:
  std::string line_;
  std::string data_;
  bool has_data_ = false;
};

// One chat.completion.chunk: the delta text (may be empty), or an error message from the server.
struct ChunkInfo {
  std::string content;
  std::string error;
  bool valid = false;
};
ChunkInfo parse_chunk(std::string_view json);

}  // namespace techpulse::ai
