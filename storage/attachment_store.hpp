#pragma once
// The attachments' SQL (storage/migrations/009_attachments.sql): an upload begun (authorized where its uploader may
// write), its chunks appended, completed or abandoned; a complete attachment as a reader may see it and its bytes a
// chunk at a time; the orphan sweep. Every call runs on the storage loop (co_spawn onto the pool's executor).
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

// The size of every chunk but an attachment's last (the upload's buffer, and a download's read, hold one).
inline constexpr size_t kAttachmentChunkBytes = 256 * 1024;

enum class BeginUpload { ok, thread_not_found, forbidden };

struct AttachmentInfo {
  std::string thread_id;
  std::string name;
  std::string content_type;
  int64_t size = 0;
  std::string sha256;  // lower-case hex
  int64_t chunk_bytes = 0;
};

// Creates the (incomplete) attachments row `id` when `user` may write `thread`.
asio::awaitable<PgOutcome<BeginUpload>> begin_attachment(PgPool& pool, std::string id, std::string user,
                                                         std::string thread, std::string name, std::string type);
asio::awaitable<PgOutcome<bool>> append_attachment_chunk(PgPool& pool, std::string id, int64_t idx, std::string bytes);
// Marks it complete with its size and digest.
asio::awaitable<PgOutcome<bool>> finish_attachment(PgPool& pool, std::string id, int64_t size, std::string sha256);
// Deletes an upload that failed (its chunks go with it).
asio::awaitable<PgOutcome<bool>> abandon_attachment(PgPool& pool, std::string id);
// nullopt: no such complete attachment, or `user` may not read its thread (the caller answers both with 404).
asio::awaitable<PgOutcome<std::optional<AttachmentInfo>>> readable_attachment(PgPool& pool, std::string user,
                                                                              std::string id);
// One chunk's bytes (empty when it does not exist).
asio::awaitable<PgOutcome<std::string>> attachment_chunk(PgPool& pool, std::string id, int64_t idx);
// Deletes orphans older than ttl_seconds; returns how many.
asio::awaitable<PgOutcome<int64_t>> sweep_attachments(PgPool& pool, int64_t ttl_seconds);

// The periodic orphan sweep of one node, on the storage loop: every min(ttl / 4, 10 min) (at least 1 s) it deletes
// the attachments no message carries that are older than the TTL. Every node runs one; the DELETE is idempotent.
class AttachmentSweeper {
 public:
  AttachmentSweeper(PgPool& pool, int64_t ttl_seconds);
  void start();
  // Cancels the wait; the coroutine ends at once.
  void stop();

 private:
  asio::awaitable<void> run();
  PgPool& pool_;
  int64_t ttl_s_;
  std::shared_ptr<asio::steady_timer> timer_;
  bool stopped_ = false;
};

}  // namespace techpulse::storage
