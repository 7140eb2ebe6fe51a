#pragma once
// The offline notifications' outbox (notification_outbox, 010_desk.sql): the rows a node claims when they are due
// (FOR UPDATE SKIP LOCKED, with a lease, so each attempt is made by one node), and what becomes of each. Runs on
// the pool, on the storage loop.
#include <string>
#include <vector>

#include "storage/pg_pool.hpp"

namespace techpulse::storage {

struct DueNotification {
  std::string id;
  std::string recipient_id;
  int attempts = 0;      // POSTs made before this one
  bool moot = false;     // read in the meantime, or the message is gone: cancel
  bool expired = false;  // older than 24 hours: give up
  std::string body;      // the webhook's JSON body (docs/webhooks.md)
};

// Rows pending for at least `after` whose next attempt is due (and rows of a node that died mid-attempt, whose lease
// ran out), at most `limit`, leased for `lease`.
asio::awaitable<PgOutcome<std::vector<DueNotification>>> claim_due_notifications(PgPool& pool, Millis after, int limit,
                                                                                Millis lease);

enum class NotificationFate { sent, cancelled, failed, deferred, retry };
// Records the outcome of a claimed row (only while this node's lease holds it). deferred: the participant was
// online, look again after `delay`; retry: the POST failed (error), try again after `delay`.
asio::awaitable<PgOutcome<bool>> settle_notification(PgPool& pool, std::string id, NotificationFate fate, Millis delay,
                                                     std::string error);

}  // namespace techpulse::storage
