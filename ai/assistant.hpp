#pragma once
// ai: the assistant worker pool. Workers on every node claim assistant jobs from PostgreSQL, retrieve from the
// knowledge base, run a provider (extractive or an OpenAI-compatible server) and stream the turn as assistant.*
// events through the tp_assistant channel, which every node's listener fans out. It knows nothing of WebSockets
// or sessions; every SQL string it runs lives in storage/assistant_store.
#include <memory>
#include <string>

namespace techpulse::ai {

struct Options {
  std::string conninfo;
  std::string provider = "extractive";  // extractive | openai
  unsigned workers = 2;                 // 0: this node runs no turns
  std::string base_url;                 // openai: e.g. http://127.0.0.1:8000/v1
  std::string model;
  std::string api_key;  // never logged
  std::string ca_file;  // openai over https: extra trusted certificates (PEM); the system store is always used
  int timeout_ms = 30000;        // longest silence of the provider (connect, headers, between chunks)
  int retries = 2;               // extra attempts on 429 / 5xx / connection failures before any text streamed
  int lease_ms = 30000;          // a job whose worker stops renewing this lease is taken again
  int max_attempts = 3;          // claims of one job before it is marked failed
  int prompt_budget_chars = 12000;
  int history_messages = 10;     // earlier thread messages taken as context
  int poll_ms = 1000;            // idle workers look for expired leases this often
  // An answer under this confidence, or one for which retrieval found nothing relevant, is followed by a handoff
  // to a technician (docs/desk.md); 0 turns the automatic handoff off.
  double handoff_confidence = 0.35;
};

// Throws std::invalid_argument for an unusable configuration (unknown provider, openai without a base URL).
void validate(const Options& o);

class WorkerPool {
 public:
  explicit WorkerPool(Options opts);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  // Starts the worker threads (each an io_context of its own: no turn runs on a gateway event loop).
  void start();
  // Stops taking jobs and joins the threads; a turn in flight is abandoned and taken again after its lease.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace techpulse::ai
