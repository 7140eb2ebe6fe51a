#pragma once
// A channel's postgres_changes bindings, checked and compiled (see message.hpp for the module): which tables they
// name, their parsed filters and their ids, and which of them a row change matches. Who may see the row is not
// decided here (that is the realtime core's, with storage's tp_row_visible); this only routes a visible change
// to the bindings that asked for it. Pure code.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/phoenix/filter.hpp"
#include "protocol/phoenix/payloads.hpp"

namespace simdjson::dom {
class object;
}

namespace techpulse::protocol::phoenix {

// The tables whose changes the gateway delivers (storage/migrations/008_supabase.sql).
inline constexpr std::string_view kChangeTables[] = {"chat_messages", "conversation_threads", "support_tickets",
                                                     "tickets", "work_orders", "profiles"};
bool is_change_table(std::string_view table);

struct CompiledBinding {
  int64_t id = 0;
  std::string event;  // as sent
  std::string table;  // "" : every table of kChangeTables
  Filter filter;
  std::optional<int64_t> since;  // only on chat_messages with one thread_id=eq filter
  std::string since_thread;      // that thread
};

// The columns of a table (for checking that a filter names real columns); empty: unknown table.
using ColumnsOf = std::function<std::vector<std::string>(std::string_view table)>;

// Checks and compiles a join's bindings. The error (the first bad binding's) is a `system` message of extension
// postgres_changes, e.g. "filter operator like is not supported (...)", "schema must be public",
// "table vehicles is not available for postgres_changes", "filter column x does not exist on chat_messages",
// "since needs a chat_messages binding filtered on one thread_id=eq.<uuid>".
// Ids are stable for the same binding (a hash of it, as upstream's phash2) and unique within the channel.
std::variant<std::vector<CompiledBinding>, std::string> compile_bindings(const std::vector<PgBinding>& bindings,
                                                                         const ColumnsOf& columns_of);

// The ids of the bindings that take this change: the table matches, the event matches, and the filter passes on
// the row (the new row; the old row for a DELETE). In binding order.
std::vector<int64_t> matching_ids(const std::vector<CompiledBinding>& bindings, std::string_view table,
                                  ChangeType type, const simdjson::dom::object& row);

}  // namespace techpulse::protocol::phoenix
