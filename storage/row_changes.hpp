#pragma once
// Row changes for Supabase's postgres_changes (storage/migrations/008_supabase.sql): the tp_row notifications,
// spilled rows, who may see a change (tp_row_visible: the native protocol's rules), table columns, and the
// chat_messages rows a `since` binding replays. SQL lives here; the gateway decides what to do with it.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

// The tables whose changes are delivered.
bool is_change_table(std::string_view table);

struct RowChange {
  enum Op { insert, update, del };
  int64_t id = 0;            // tp_row_change_seq: distinct per change, increasing in commit order per writer
  std::string table;
  Op op = insert;
  std::string changed_at;    // YYYY-MM-DDTHH:MI:SS.MSZ
  bool spilled = false;      // the rows are in tp_row_spill (fill_spilled)
  std::string record;        // JSON object text of the new row; "" for a DELETE
  std::string old_record;    // JSON object text of the old row; "" for an INSERT
  // The row the visibility rule reads: the new one, or the old one of a DELETE.
  const std::string& row() const { return op == del ? old_record : record; }
};

// Parses a tp_row payload. nullopt for anything malformed (the listener logs and skips it).
std::optional<RowChange> parse_row_notice(std::string_view payload);

class RowChangeStore {
 public:
  explicit RowChangeStore(PgPool& pool) : pool_(pool) {}

  // Reads a spilled change's rows into `c`. false: no longer there (older than an hour).
  asio::awaitable<PgOutcome<bool>> fill_spilled(RowChange& c);

  // Those of `users` (profile ids) who may see the change, in the order given. One query for all of them.
  asio::awaitable<PgOutcome<std::vector<std::string>>> visible_to(const RowChange& c,
                                                                   const std::vector<std::string>& users);

  // This node serves postgres_changes: its tp_row_feed row is alive for `seconds` more (the trigger notifies).
  asio::awaitable<PgOutcome<bool>> feed_alive(const std::string& node, int seconds);
  // This node stops (its row goes; other nodes' rows keep the feed on).
  asio::awaitable<PgOutcome<bool>> feed_gone(const std::string& node);

  // [{"name":..,"type":..}, ...] of a table, in column order ("[]" for an unknown table).
  asio::awaitable<PgOutcome<std::string>> columns(const std::string& table);

  // The chat_messages rows of a thread with seq > after, oldest first, at most `limit`, as row JSON (the same form
  // as a change's record, in UTC), each with its seq. Empty when `user` may not read the thread.
  asio::awaitable<PgOutcome<std::vector<std::pair<int64_t, std::string>>>> chat_rows_after(
      const std::string& user, const std::string& thread, int64_t after, int limit);

 private:
  PgPool& pool_;
};

}  // namespace techpulse::storage
