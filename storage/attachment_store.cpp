#include "storage/attachment_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "logging/log.hpp"

namespace techpulse::storage {

asio::awaitable<PgOutcome<BeginUpload>> begin_attachment(PgPool& pool, std::string id, std::string user,
                                                         std::string thread, std::string name, std::string type) {
  auto p = params(id, user, thread, name, type, std::to_string(kAttachmentChunkBytes));
  auto r = co_await pool.query("SELECT tp_begin_attachment($1, $2, $3, $4, $5, $6)", p);
  if (!r.ok()) co_return fail<BeginUpload>(r.error);
  auto status = r.value->get(0, 0);
  if (status == "thread_not_found") co_return ok(BeginUpload::thread_not_found);
  if (status == "forbidden") co_return ok(BeginUpload::forbidden);
  co_return ok(BeginUpload::ok);
}

asio::awaitable<PgOutcome<bool>> append_attachment_chunk(PgPool& pool, std::string id, int64_t idx, std::string bytes) {
  auto p = params(std::move(id), std::to_string(idx), std::move(bytes));
  // The third parameter goes as raw bytes: no hex encoding doubles the chunk.
  auto r = co_await pool.query("INSERT INTO attachment_chunks (attachment_id, idx, data) VALUES ($1, $2, $3::bytea)",
                               p, uint64_t{1} << 2, false);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> finish_attachment(PgPool& pool, std::string id, int64_t size, std::string sha256) {
  auto p = params(std::move(id), std::to_string(size), std::move(sha256));
  auto r = co_await pool.query("UPDATE attachments SET size = $2, sha256 = $3, complete = true WHERE id = $1", p);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<bool>> abandon_attachment(PgPool& pool, std::string id) {
  auto p = params(std::move(id));
  auto r = co_await pool.query("DELETE FROM attachments WHERE id = $1 AND NOT complete", p);
  if (!r.ok()) co_return fail<bool>(r.error);
  co_return ok(true);
}

asio::awaitable<PgOutcome<std::optional<AttachmentInfo>>> readable_attachment(PgPool& pool, std::string user,
                                                                              std::string id) {
  using R = std::optional<AttachmentInfo>;
  auto p = params(std::move(user), std::move(id));
  auto r = co_await pool.query(
      "SELECT thread_id, name, content_type, size, sha256, chunk_bytes FROM tp_readable_attachment($1, $2)", p);
  if (!r.ok()) co_return fail<R>(r.error);
  if (r.value->rows() == 0) co_return ok(R{});
  const auto& res = *r.value;
  co_return ok(R{AttachmentInfo{std::string(res.get(0, 0)), std::string(res.get(0, 1)), std::string(res.get(0, 2)),
                                res.get_int(0, 3), std::string(res.get(0, 4)), res.get_int(0, 5)}});
}

asio::awaitable<PgOutcome<std::string>> attachment_chunk(PgPool& pool, std::string id, int64_t idx) {
  auto p = params(std::move(id), std::to_string(idx));
  auto r = co_await pool.query("SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND idx = $2", p, 0, true);
  if (!r.ok()) co_return fail<std::string>(r.error);
  if (r.value->rows() == 0) co_return ok(std::string());
  co_return ok(std::string(r.value->get(0, 0)));
}

asio::awaitable<PgOutcome<int64_t>> sweep_attachments(PgPool& pool, int64_t ttl_seconds) {
  auto p = params(std::to_string(ttl_seconds));
  auto r = co_await pool.query("SELECT tp_sweep_attachments($1)", p);
  if (!r.ok()) co_return fail<int64_t>(r.error);
  co_return ok(r.value->get_int(0, 0));
}

AttachmentSweeper::AttachmentSweeper(PgPool& pool, int64_t ttl_seconds)
    : pool_(pool), ttl_s_(ttl_seconds), timer_(std::make_shared<asio::steady_timer>(pool.executor())) {}

void AttachmentSweeper::start() { asio::co_spawn(pool_.executor(), run(), asio::detached); }

void AttachmentSweeper::stop() {
  stopped_ = true;
  timer_->cancel();
}

asio::awaitable<void> AttachmentSweeper::run() {
  auto timer = timer_;
  const auto every = std::chrono::seconds(std::clamp<int64_t>(ttl_s_ / 4, 1, 600));
  while (!stopped_) {
    timer->expires_after(every);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    auto r = co_await sweep_attachments(pool_, ttl_s_);
    if (!r.ok()) {
      logging::log(logging::Level::warn, "storage", "attachment_sweep_failed", "error={}", logging::quoted(r.error.message));
    } else if (*r.value > 0) {
      logging::log(logging::Level::info, "storage", "attachments_swept", "deleted={} ttl_s={}", *r.value, ttl_s_);
    }
  }
}

}  // namespace techpulse::storage
