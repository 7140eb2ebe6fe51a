// A session's conversation operations (issue 14): message.edit and message.delete, read, search. Who may do what is
// decided in the statement that writes or reads (storage/conversation_store.hpp calls tp_can_edit_message,
// tp_can_delete_message, tp_can_access); this file maps the outcomes to replies.
#include "gateway/log.hpp"
#include "gateway/realtime/on_store.hpp"
#include "gateway/realtime/session.hpp"
#include "storage/conversation_store.hpp"

namespace techpulse::gateway::realtime {

asio::awaitable<void> Session::message_change(const std::string& ref, const std::string& message_id,
                                              std::optional<std::string> content) {
  auto& store = svc_.store;
  const bool is_delete = !content.has_value();
  auto op = is_delete ? storage::delete_message(store.pool(), who_.user_id, message_id)
                      : storage::edit_message(store.pool(), who_.user_id, message_id, std::move(*content));
  auto r = co_await on_store(store, std::move(op));
  if (!r.ok()) {
    db_error(ref, r.error);
    co_return;
  }
  using S = storage::MessageChange;
  const auto& c = *r.value;
  switch (c.status) {
    case S::ok:
      if (auto* s = sink()) s->change_ack(ref, is_delete, message_id, c.thread_id, c.cursor, c.at, c.duplicate);
      break;
    case S::not_found: error(ref, ErrorCode::not_found, "message not found"); break;
    case S::forbidden:
      log(Level::warn, "forbidden", "session={} user={} message={} action={}", session_id_, who_.user_id, message_id,
          is_delete ? "delete" : "edit");
      error(ref, ErrorCode::forbidden,
            is_delete ? "you may not delete this message" : "only the sender or an admin may edit this message");
      break;
    case S::gone: error(ref, ErrorCode::conflict, "the message was deleted"); break;
  }
}

asio::awaitable<void> Session::message_edit(const calls::MessageEdit& c) {
  std::optional<std::string> content = c.content;
  co_await message_change(c.ref, c.message_id, std::move(content));
}

asio::awaitable<void> Session::message_delete(const calls::MessageDelete& c) {
  std::optional<std::string> none;
  co_await message_change(c.ref, c.message_id, std::move(none));
}

asio::awaitable<void> Session::read(const calls::Read& c) {
  auto r = co_await on_store(svc_.store,
                             storage::mark_read(svc_.store.pool(), who_.user_id, c.thread_id, c.cursor, session_id_));
  if (!r.ok()) {
    db_error(c.ref, r.error);
    co_return;
  }
  using S = storage::ReadOutcome;
  switch (r.value->status) {
    case S::ok:
      if (auto* s = sink()) s->read(c.ref, c.thread_id, who_.user_id, r.value->cursor);
      break;
    case S::not_found: error(c.ref, ErrorCode::not_found, "thread not found"); break;
    case S::forbidden:
      log(Level::warn, "forbidden", "session={} user={} thread={} action=read", session_id_, who_.user_id, c.thread_id);
      error(c.ref, ErrorCode::forbidden, "you may not use this thread");
      break;
  }
}

asio::awaitable<void> Session::search(const calls::Search& c) {
  auto r = co_await on_store(svc_.store, storage::search_messages(svc_.store.pool(), who_.user_id, c.query, c.thread_id,
                                                                  c.limit, c.before));
  if (!r.ok()) {
    if (r.error.sqlstate == "22023") {
      error(c.ref, ErrorCode::bad_request, "before must be the next_before of a search.results reply");
    } else {
      db_error(c.ref, r.error);
    }
    co_return;
  }
  if (!r.value->thread_found) {
    // Whether the thread does not exist or is another's: the same answer, so ids cannot be probed.
    error(c.ref, ErrorCode::not_found, "thread not found");
    co_return;
  }
  std::vector<SearchHit> hits;
  for (auto& h : r.value->hits) {
    hits.push_back(SearchHit{std::move(h.message_json), std::move(h.thread_id), h.cursor, h.rank, std::move(h.snippet)});
  }
  if (auto* s = sink()) s->search_results(c.ref, c.query, hits, r.value->has_more, r.value->next_before);
}

}  // namespace techpulse::gateway::realtime
