#pragma once
// Helpers the end-to-end suites share: frames, connecting, subscribing; a migrated database per suite is
// pg_support's migrated_database.
#include <memory>
#include <string>

#include "support/gateway_process.hpp"
#include "support/pg_support.hpp"
#include "support/ws_client.hpp"

namespace techpulse::test {

std::string subscribe_frame(const std::string& thread, const std::string& ref, const std::string& since = {});
std::string send_frame(const std::string& thread, const std::string& content, const std::string& ref,
                       const std::string& client_msg_id = {});

// Connects as user (REQUIREs the upgrade and the welcome, and that the welcome names the user).
std::unique_ptr<WsClient> connect_as(const GatewayProcess& gw, const std::string& user,
                                     const std::string& role = "customer");
// Subscribes to thread:<thread> and REQUIREs `subscribed`.
void subscribe(WsClient& c, const std::string& thread, const std::string& ref = "s");

std::string read_file(const std::string& path);
// Whether the file (a gateway's log) holds `needle`, waiting (bounded) for the line to be written: a process logs
// an event after the client saw its effect, so a test must not read the log once and conclude.
bool file_gets(const std::string& path, const std::string& needle, std::chrono::milliseconds within = 5s);

}  // namespace techpulse::test
