#include "storage/batched_reads.hpp"

namespace techpulse::storage {

namespace {

// A uuid[] literal of UUIDs (no quoting needed: hex digits and dashes only).
std::string uuid_array(const std::vector<std::string>& ids) {
  std::string a = "{";
  for (const auto& id : ids) {
    if (a.size() > 1) a += ',';
    a += id;
  }
  a += '}';
  return a;
}

}  // namespace

asio::awaitable<PgOutcome<std::unordered_map<std::string, std::string>>> profile_roles(PgPool& pool,
                                                                                      std::vector<std::string> users) {
  using R = std::unordered_map<std::string, std::string>;
  auto p = params(uuid_array(users));
  auto r = co_await pool.query("SELECT id::text, role FROM profiles WHERE id = ANY($1::uuid[])", p);
  if (!r.ok()) co_return fail<R>(r.error);
  R out;
  for (int i = 0; i < r.value->rows(); ++i) out.emplace(r.value->get(i, 0), r.value->get(i, 1));
  co_return ok(std::move(out));
}

asio::awaitable<PgOutcome<ThreadAccessOf>> thread_access_of(PgPool& pool, std::string thread_id,
                                                            std::vector<std::string> users) {
  // The same rule as a single check (ChatStore::thread_access): tp_can_access, per user.
  auto p = params(thread_id, uuid_array(users));
  auto r = co_await pool.query(
      "SELECT t.last_seq, u::text, tp_can_access(u, t.id) FROM conversation_threads t, unnest($2::uuid[]) u "
      " WHERE t.id = $1",
      p);
  if (!r.ok()) co_return fail<ThreadAccessOf>(r.error);
  ThreadAccessOf out;
  for (int i = 0; i < r.value->rows(); ++i) {
    out.exists = true;
    out.last_seq = r.value->get_int(i, 0);
    out.allowed[std::string(r.value->get(i, 1))] = r.value->get_bool(i, 2);
  }
  co_return ok(std::move(out));
}

}  // namespace techpulse::storage
