#!/usr/bin/env bash
# What one access check costs (docs/benchmarks.md, issue 18 step 20): tp_can_access for a thread's customer, the
# technician assigned to its ticket and an admin (also on a thread without a ticket), and tp_thread_ticket, each
# CALLS times in a loop, with tp_thread_rule left to the plan cache (as before migration 016) and with its generic
# plan forced (016). Each mode runs on a new connection, in one transaction that is rolled back: the rows it adds
# and the setting it switches are gone afterwards. Which plan the cache settles on depends on the values a
# connection asks about first: when the sender owns the thread, or the thread has no ticket, a plan for those values
# folds the rest of the rule away and always looks cheaper than the generic one, so the statement is planned again
# on every call; an admin asking about a thread with a ticket lets the cache settle on the generic plan. The
# customer goes first here, as on a gateway where customers send most messages. Rounds alternate the two modes so
# machine load hits both alike.
#   tests/load/rule_cost.sh DATABASE_URL_OF_A_MIGRATED_DB [ROUNDS] [CALLS]
set -euo pipefail
U=${1:?usage: rule_cost.sh DATABASE_URL [ROUNDS] [CALLS]}
rounds=${2:-3}
calls=${3:-20000}
[[ $rounds =~ ^[0-9]+$ && $calls =~ ^[0-9]+$ && $calls -gt 0 ]] || { echo "rule_cost.sh: ROUNDS and CALLS are counts" >&2; exit 2; }
admin=d1000000-0000-4000-8000-000000000001
customer=d1000000-0000-4000-8000-000000000002
tech=d1000000-0000-4000-8000-000000000003
ticket=e1000000-0000-4000-8000-000000000001
thread=f1000000-0000-4000-8000-000000000001
plain=f1000000-0000-4000-8000-000000000002  # a thread without a ticket, as the benchmark's persisted threads
loop() {  # loop NAME EXPRESSION: one timed DO block of $calls evaluations
  cat <<SQL
SELECT clock_timestamp() AS t0 \gset
DO \$\$ DECLARE x text; BEGIN FOR i IN 1..$calls LOOP x := $2; END LOOP; END \$\$;
SELECT '$1', round((extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1e6 / $calls)::numeric, 1);
SQL
}
for ((r = 1; r <= rounds; r++)); do
  for mode in custom generic; do
    if [[ $mode == custom ]]; then set_mode="ALTER FUNCTION tp_thread_rule(uuid, uuid, uuid) RESET plan_cache_mode;"
    else set_mode="ALTER FUNCTION tp_thread_rule(uuid, uuid, uuid) SET plan_cache_mode = force_generic_plan;"; fi
    out=$(psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 "$U" <<SQL
BEGIN;
INSERT INTO profiles (id, username, role) VALUES ('$admin', 'rule-cost-admin', 'admin'),
    ('$customer', 'rule-cost-customer', 'customer'), ('$tech', 'rule-cost-tech', 'technician');
INSERT INTO support_tickets (id, customer_id, assigned_technician) VALUES ('$ticket', '$customer', '$tech');
INSERT INTO conversation_threads (id, user_id, ticket_id, title, assistant_enabled)
    VALUES ('$thread', '$customer', '$ticket', 'rule cost', false), ('$plain', '$customer', NULL, 'rule cost', false);
$set_mode
SELECT 'answers', tp_can_access('$admin', '$thread') AND tp_can_access('$customer', '$thread')
                  AND tp_can_access('$tech', '$thread') AND tp_can_access('$admin', '$plain')
                  AND tp_thread_ticket('$thread') = '$ticket';
$(loop customer "tp_can_access('$customer', '$thread')::text")
$(loop technician "tp_can_access('$tech', '$thread')::text")
$(loop admin "tp_can_access('$admin', '$thread')::text")
$(loop admin_no_ticket "tp_can_access('$admin', '$plain')::text")
$(loop thread_ticket "tp_thread_ticket('$thread')::text")
ROLLBACK;
SQL
)
    [[ $(awk '$1 == "answers" {print $2}' <<<"$out") == t ]] || { echo "rule_cost.sh: a rule gave a wrong answer" >&2; exit 1; }
    echo "round $r $mode: $(awk '$1 != "answers" {printf "%s %s us  ", $1, $2}' <<<"$out")"
  done
done
