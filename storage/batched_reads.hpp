#pragma once
// Reads made for many requests at once (gateway/realtime/coalesced_reads.*): the profiles of many users, and one
// thread's access for many users. Each is one statement on the pool, on the storage loop. The ids must be UUIDs
// (the caller checks): they are passed as one uuid[] parameter.
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

// The role of each of these users that has a profile (absent: no profile).
asio::awaitable<PgOutcome<std::unordered_map<std::string, std::string>>> profile_roles(PgPool& pool,
                                                                                      std::vector<std::string> users);

// One thread for many users, from one snapshot: whether it exists, its cursor, and tp_can_access for each user.
struct ThreadAccessOf {
  bool exists = false;
  int64_t last_seq = 0;
  std::unordered_map<std::string, bool> allowed;  // by user
};
asio::awaitable<PgOutcome<ThreadAccessOf>> thread_access_of(PgPool& pool, std::string thread_id,
                                                            std::vector<std::string> users);

}  // namespace techpulse::storage
