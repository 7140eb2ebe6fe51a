// The openai provider: POST {base_url}/chat/completions with stream:true to any OpenAI-compatible server
// (OpenAI, vLLM, llama.cpp server, Ollama), over HTTP or HTTPS (OpenSSL verifies the certificate and the host
// name), reading the server-sent events as they arrive.
#include <fmt/format.h>

#include <charconv>
#include <algorithm>
#include <simdjson.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "ai/provider.hpp"
#include "protocol/json_writer.hpp"

namespace techpulse::ai {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::vector<std::string> SseParser::feed(std::string_view bytes) {
  std::vector<std::string> out;
  for (char ch : bytes) {
    if (ch != '\n') {
      line_.push_back(ch);
      continue;
    }
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (line_.empty()) {
      if (has_data_) out.push_back(std::move(data_));
      data_.clear();
      has_data_ = false;
    } else if (line_.rfind("data:", 0) == 0) {
      std::string_view v(line_);
      v.remove_prefix(5);
      if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      if (has_data_) data_.push_back('\n');
      data_.append(v);
      has_data_ = true;
    }  // comments (":"), event:, id:, retry: are not used by chat completions
    line_.clear();
  }
  return out;
}

ChunkInfo parse_chunk(std::string_view json) {
  ChunkInfo info;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return info;
  info.valid = true;
  simdjson::dom::element err;
  if (!doc["error"].get(err)) {
    std::string_view m;
    if (!err["message"].get(m)) info.error = std::string(m);
    else info.error = "the server reported an error";
    return info;
  }
  simdjson::dom::array choices;
  if (doc["choices"].get(choices) || choices.size() == 0) return info;
  std::string_view content;
  if (!choices.at(0)["delta"]["content"].get(content)) {
    info.content = std::string(content);
    // PostgreSQL text cannot hold NUL: a model that emits \u0000 would make the answer unstorable.
    info.content.erase(std::remove(info.content.begin(), info.content.end(), '\0'), info.content.end());
  }
  return info;
}

std::string build_chat_request(const TurnRequest& req, const std::string& model, int budget_chars) {
  const auto& turn = req.turn;
  size_t budget = static_cast<size_t>(std::max(1000, budget_chars));
  std::string system =
      "You are the service assistant of TechPulse, an automotive repair shop, answering a customer in a chat. "
      "Answer from the knowledge base passages below and cite them as [1], [2], ... . If they do not answer the "
      "question, say so plainly and suggest that a technician looks at the vehicle. Be concise and practical, put "
      "safety first, and never invent prices or diagnoses.";
  if (!turn.vehicle.empty()) system += "\n\nVehicle: " + turn.vehicle;
  if (!turn.ticket_summary.empty()) system += "\nService ticket: " + turn.ticket_summary.substr(0, 600);
  if (!turn.thread_title.empty()) system += "\nConversation: " + turn.thread_title.substr(0, 200);
  // Passages take at most half of the budget.
  std::string passages;
  auto cited = cited_passages(req);
  for (size_t n = 0; n < cited.size(); ++n) {
    const auto& p = req.retrieval.passages[cited[n]];
    std::string block = fmt::format("\n[{}] {}{}\n", n + 1, p.title,
                                    p.vehicle_context.empty() ? "" : " (" + p.vehicle_context + ")");
    for (const auto& s : p.sentences) block += s + " ";
    if (passages.size() + block.size() > budget / 2) break;
    passages += block;
  }
  system += passages.empty() ? "\n\nKnowledge base: nothing relevant was found." : "\n\nKnowledge base:" + passages;
  std::string question = turn.question.substr(0, budget / 4);
  size_t used = system.size() + question.size();
  // The most recent messages that fit, oldest first.
  std::vector<const storage::ChatLine*> history;
  for (auto it = turn.recent.rbegin(); it != turn.recent.rend(); ++it) {
    if (it->role == "system") continue;
    if (used + it->content.size() > budget) break;
    used += it->content.size();
    history.push_back(&*it);
  }
  std::string body;
  protocol::JsonWriter w(body);
  w.begin_object().field("model", model).field("stream", true).begin_array("messages");
  w.begin_object().field("role", "system").field("content", system).end_object();
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    const auto& m = **it;
    if (m.role == "assistant") {
      w.begin_object().field("role", "assistant").field("content", m.content).end_object();
    } else if (m.role == "technician") {
      w.begin_object().field("role", "user").field("content", "(technician) " + m.content).end_object();
    } else {
      w.begin_object().field("role", "user").field("content", m.content).end_object();
    }
  }
  w.begin_object().field("role", "user").field("content", question).end_object();
  w.end_array().end_object();
  return body;
}

namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // without a trailing slash
};

Url parse_url(const std::string& s) {
  Url u;
  std::string rest;
  if (s.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = s.substr(8);
  } else if (s.rfind("http://", 0) == 0) {
    rest = s.substr(7);
  } else {
    throw std::invalid_argument("TECHPULSE_AI_BASE_URL must start with http:// or https://");
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  if (authority.empty()) throw std::invalid_argument("TECHPULSE_AI_BASE_URL has no host");
  if (authority.front() == '[') {  // [v6]:port
    auto close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("TECHPULSE_AI_BASE_URL has a bad IPv6 host");
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  return u;
}

struct Attempt {
  ProviderResult::Code code = ProviderResult::ok;
  bool retryable = false;
  int retry_after_ms = 0;
  std::string text;
  std::string message;
};

class OpenAi final : public Provider {
 public:
  OpenAi(const Options& o, asio::any_io_executor ex)
      : opts_(o), url_(parse_url(o.base_url)), ex_(std::move(ex)), ssl_ctx_(ssl::context::tls_client) {
    ssl_ctx_.set_default_verify_paths();
    if (!o.ca_file.empty()) ssl_ctx_.load_verify_file(o.ca_file);
    ssl_ctx_.set_verify_mode(ssl::verify_peer);
  }

  std::string name() const override { return "openai"; }

  asio::awaitable<ProviderResult> run(const TurnRequest& req, std::shared_ptr<TurnControl> ctl) override {
    ProviderResult out;
    out.model = opts_.model;
    std::string body = build_chat_request(req, opts_.model, opts_.prompt_budget_chars);
    int backoff_ms = 250;
    for (int attempt = 0;; ++attempt) {
      Attempt a;
      if (url_.tls) {
        a = co_await exchange_tls(body, *ctl);
      } else {
        a = co_await exchange_plain(body, *ctl);
      }
      if (ctl->cancelled) {
        out.code = ProviderResult::cancelled;
        co_return out;
      }
      if (a.code == ProviderResult::ok) {
        out.text = std::move(a.text);
        co_return out;
      }
      if (!a.retryable || ctl->emitted || attempt >= opts_.retries) {
        out.code = a.code;
        out.message = std::move(a.message);
        co_return out;
      }
      // Back off (the server's Retry-After when it gave one, capped), cancellably.
      int wait_ms = a.retry_after_ms > 0 ? std::min(a.retry_after_ms, 10000) : backoff_ms;
      backoff_ms = std::min(backoff_ms * 2, 5000);
      asio::steady_timer t(ex_, std::chrono::milliseconds(wait_ms));
      ctl->abort = [&t] { t.cancel(); };
      boost::system::error_code ec;
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      ctl->abort = nullptr;
      if (ctl->cancelled) {
        out.code = ProviderResult::cancelled;
        co_return out;
      }
    }
  }

 private:
  http::request<http::string_body> make_request(const std::string& body) const {
    http::request<http::string_body> r{http::verb::post, url_.path + "/chat/completions", 11};
    bool default_port = (url_.tls && url_.port == "443") || (!url_.tls && url_.port == "80");
    r.set(http::field::host, default_port ? url_.host : url_.host + ":" + url_.port);
    r.set(http::field::user_agent, "techpulse-gateway");
    r.set(http::field::content_type, "application/json");
    r.set(http::field::accept, "text/event-stream");
    if (!opts_.api_key.empty()) r.set(http::field::authorization, "Bearer " + opts_.api_key);
    r.body() = body;
    r.prepare_payload();
    return r;
  }

  static Attempt failed(ProviderResult::Code code, bool retryable, std::string msg) {
    Attempt a;
    a.code = code;
    a.retryable = retryable;
    a.message = std::move(msg);
    return a;
  }

  static Attempt from_error(const boost::system::error_code& ec, const TurnControl& ctl,
                            std::string_view what) {
    if (ctl.cancelled) return failed(ProviderResult::cancelled, false, "cancelled");
    if (ec == beast::error::timeout) {
      return failed(ProviderResult::timeout, true, fmt::format("the provider did not answer in time ({})", what));
    }
    return failed(ProviderResult::provider_error, true, fmt::format("{}: {}", what, ec.message()));
  }

  asio::awaitable<Attempt> exchange_plain(const std::string& body, TurnControl& ctl) {
    beast::tcp_stream stream(ex_);
    ctl.abort = [&stream] { stream.cancel(); stream.close(); };
    auto r = co_await connect(stream, ctl);
    if (r) {
      ctl.abort = nullptr;
      co_return *r;
    }
    auto a = co_await exchange(stream, stream, body, ctl);
    ctl.abort = nullptr;
    co_return a;
  }

  asio::awaitable<Attempt> exchange_tls(const std::string& body, TurnControl& ctl) {
    beast::ssl_stream<beast::tcp_stream> stream(ex_, ssl_ctx_);
    auto& low = beast::get_lowest_layer(stream);
    ctl.abort = [&low] { low.cancel(); low.close(); };
    auto r = co_await connect(low, ctl);
    if (r) {
      ctl.abort = nullptr;
      co_return *r;
    }
    boost::system::error_code addr_ec;
    asio::ip::make_address(url_.host, addr_ec);
    // SNI carries host names only, never an IP address (RFC 6066).
    if (addr_ec && !SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str())) {
      ctl.abort = nullptr;
      co_return failed(ProviderResult::provider_error, false, "cannot set the TLS server name");
    }
    stream.set_verify_callback(ssl::host_name_verification(url_.host));
    boost::system::error_code ec;
    low.expires_after(std::chrono::milliseconds(opts_.timeout_ms));
    co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ctl.abort = nullptr;
      if (ctl.cancelled || ec == beast::error::timeout) co_return from_error(ec, ctl, "TLS handshake");
      // A certificate that does not verify is not worth retrying.
      co_return failed(ProviderResult::provider_error, false, "TLS handshake with the provider failed: " + ec.message());
    }
    auto a = co_await exchange(stream, low, body, ctl);
    ctl.abort = nullptr;
    co_return a;
  }

  asio::awaitable<std::optional<Attempt>> connect(beast::tcp_stream& low, TurnControl& ctl) {
    tcp::resolver resolver(ex_);
    boost::system::error_code ec;
    auto results = co_await resolver.async_resolve(url_.host, url_.port, asio::redirect_error(asio::use_awaitable, ec));
    // A cancel that came while resolving (abort closes the stream, not the resolver) stops here.
    if (ctl.cancelled) co_return failed(ProviderResult::cancelled, false, "cancelled");
    if (ec) co_return from_error(ec, ctl, "resolving " + url_.host);
    low.expires_after(std::chrono::milliseconds(opts_.timeout_ms));
    co_await low.async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (ctl.cancelled) co_return failed(ProviderResult::cancelled, false, "cancelled");
    if (ec) co_return from_error(ec, ctl, "connecting to the provider");
    co_return std::nullopt;
  }

  template <class Stream>
  asio::awaitable<Attempt> exchange(Stream& stream, beast::tcp_stream& low, const std::string& body,
                                    TurnControl& ctl) {
    boost::system::error_code ec;
    auto req = make_request(body);
    low.expires_after(std::chrono::milliseconds(opts_.timeout_ms));
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return from_error(ec, ctl, "sending the request");

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    low.expires_after(std::chrono::milliseconds(opts_.timeout_ms));
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return from_error(ec, ctl, "reading the response");
    unsigned status = parser.get().result_int();
    if (status != 200) {
      // Read (a bounded part of) the error body for the log and the error message.
      parser.body_limit(64 * 1024);
      low.expires_after(std::chrono::milliseconds(opts_.timeout_ms));
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      std::string detail = parser.get().body().substr(0, 300);
      bool retryable = status == 429 || status >= 500;
      Attempt a = failed(ProviderResult::provider_error, retryable,
                         fmt::format("the provider answered HTTP {}{}{}", status, detail.empty() ? "" : ": ", detail));
      if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
        // Delay-seconds (RFC 9110 10.2.3); any number of digits, so clamp before converting to milliseconds
        // (stoi(v) * 1000 overflowed int for a large value). The caller caps the wait at 10 s.
        auto v = it->value();
        long long secs = -1;
        auto [p, perr] = std::from_chars(v.data(), v.data() + v.size(), secs);
        if (perr == std::errc() && p == v.data() + v.size() && secs >= 0) {
          a.retry_after_ms = static_cast<int>(std::min<long long>(secs, 3600) * 1000);
        } else if (perr == std::errc::result_out_of_range) {
          a.retry_after_ms = 3600 * 1000;
        }
      }
      co_return a;
    }

    SseParser sse;
    Attempt out;
    bool done = false;
    while (!done) {
      if (!parser.is_done()) {
        low.expires_after(std::chrono::milliseconds(opts_.timeout_ms));
        co_await http::async_read_some(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ctl.cancelled) co_return failed(ProviderResult::cancelled, false, "cancelled");
        if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
          if (ctl.cancelled) co_return failed(ProviderResult::cancelled, false, "cancelled");
          co_return failed(ProviderResult::provider_error, !ctl.emitted, "the provider closed the stream early");
        }
        if (ec) co_return from_error(ec, ctl, "reading the stream");
      }
      // The body so far is handed to the SSE parser and dropped, so a long stream does not pile up in memory
      // (string_body appends at the string's current end).
      auto& b = parser.get().body();
      auto events = sse.feed(b);
      b.clear();
      for (auto& data : events) {
        if (data == "[DONE]") {
          done = true;
          break;
        }
        auto chunk = parse_chunk(data);
        if (!chunk.valid) continue;
        if (!chunk.error.empty()) co_return failed(ProviderResult::provider_error, false, "the provider: " + chunk.error);
        if (!chunk.content.empty()) {
          out.text += chunk.content;
          ctl.emit(std::move(chunk.content));
        }
      }
      if (parser.is_done() && !done) {
        // A server that ends the body without [DONE] still gave a complete answer.
        break;
      }
    }
    co_return out;
  }

  Options opts_;
  Url url_;
  asio::any_io_executor ex_;
  ssl::context ssl_ctx_;
};

}  // namespace

std::unique_ptr<Provider> make_openai(const Options& opts, asio::any_io_executor ex) {
  return std::make_unique<OpenAi>(opts, std::move(ex));
}

}  // namespace techpulse::ai
