// The assistant's pure parts: SSE parsing, chat.completion.chunk parsing, chunking, the request body, events.
#include <catch2/catch.hpp>

#include "ai/provider.hpp"
#include "protocol/events.hpp"

using namespace techpulse;

TEST_CASE("the SSE parser yields each event's data, across arbitrary byte splits and CRLF line ends", "[ai][sse]") {
  std::string stream =
      ": keep-alive comment\r\n\r\n"
      "data: {\"a\":1}\r\n\r\n"
      "event: message\ndata: line one\ndata: line two\n\n"
      "data:[DONE]\n\n";
  for (size_t split = 1; split < stream.size(); ++split) {
    ai::SseParser p;
    auto first = p.feed(std::string_view(stream).substr(0, split));
    auto second = p.feed(std::string_view(stream).substr(split));
    first.insert(first.end(), second.begin(), second.end());
    REQUIRE(first.size() == 3);
    CHECK(first[0] == "{\"a\":1}");
    CHECK(first[1] == "line one\nline two");
    CHECK(first[2] == "[DONE]");
  }
}

TEST_CASE("a chat.completion.chunk gives its delta content, or the server's error", "[ai][sse]") {
  auto c = ai::parse_chunk(
      R"({"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel\u006co"},"finish_reason":null}]})");
  CHECK(c.valid);
  CHECK(c.content == "Hello");
  auto role_only = ai::parse_chunk(R"({"choices":[{"index":0,"delta":{"role":"assistant"}}]})");
  CHECK(role_only.valid);
  CHECK(role_only.content.empty());
  auto err = ai::parse_chunk(R"({"error":{"message":"model overloaded","type":"server_error"}})");
  CHECK(err.error == "model overloaded");
  CHECK_FALSE(ai::parse_chunk("not json").valid);
}

TEST_CASE("chunk_text splits at spaces, keeps UTF-8 sequences whole and loses nothing", "[ai]") {
  std::string text = "Bremsbeläge quietschen — die Scheiben sind verzogen und müssen ersetzt werden, sagt der Techniker.";
  for (size_t size : {5, 8, 13, 40, 1000}) {
    auto parts = ai::chunk_text(text, size);
    std::string joined;
    for (auto& p : parts) {
      joined += p;
      CHECK_FALSE(p.empty());
      // No piece starts with a UTF-8 continuation byte.
      CHECK((static_cast<unsigned char>(p[0]) & 0xC0) != 0x80);
    }
    CHECK(joined == text);
  }
}

TEST_CASE("the chat request carries the vehicle, the passages, the recent messages and the question within budget",
          "[ai]") {
  storage::TurnInput turn;
  turn.question = "It still shakes at idle, what now?";
  turn.vehicle = "2015 Toyota Camry LE";
  turn.ticket_summary = "TP-10041: Shaking at idle";
  for (int i = 0; i < 50; ++i) turn.recent.push_back({i % 2 ? "assistant" : "user", std::string(400, 'a' + i % 26)});
  storage::Retrieval r;
  storage::Passage p;
  p.id = "b0000000-0000-4000-8000-000000000035";
  p.title = "Spark plugs and ignition coils";
  p.score = 10;
  p.sentences = {"Worn plugs cause misfires."};
  r.passages.push_back(p);
  ai::TurnRequest req{turn, r, 0.7, true};
  auto body = ai::build_chat_request(req, "test-model", 4000);
  CHECK(body.find("\"model\":\"test-model\"") != std::string::npos);
  CHECK(body.find("\"stream\":true") != std::string::npos);
  CHECK(body.find("2015 Toyota Camry LE") != std::string::npos);
  CHECK(body.find("[1] Spark plugs and ignition coils") != std::string::npos);
  CHECK(body.find("It still shakes at idle") != std::string::npos);
  CHECK(body.size() < 4000 + 2000);  // the budget (JSON framing aside)
  // The newest earlier message is in, the oldest is not.
  CHECK(body.find(std::string(400, 'a' + 49 % 26)) != std::string::npos);
  CHECK(body.find(std::string(400, 'a')) == std::string::npos);
}

TEST_CASE("assistant events have the protocol's shapes", "[ai][protocol]") {
  CHECK(protocol::encode_assistant_start("t", "u", "m") ==
        R"({"type":"assistant.start","thread_id":"t","turn_id":"u","in_reply_to":"m"})");
  CHECK(protocol::encode_assistant_delta("t", "u", 3, "a\"b") ==
        R"({"type":"assistant.delta","thread_id":"t","turn_id":"u","index":3,"text":"a\"b"})");
  CHECK(protocol::encode_assistant_done("t", "u", "m", 0.8249, {{"k", "Title"}}) ==
        R"({"type":"assistant.done","thread_id":"t","turn_id":"u","message_id":"m","confidence":0.82,"sources":[{"id":"k","title":"Title"}]})");
  CHECK(protocol::encode_assistant_error("t", "u", "cancelled", "stopped") ==
        R"({"type":"assistant.error","thread_id":"t","turn_id":"u","code":"cancelled","message":"stopped"})");
}

TEST_CASE("assistant.snapshot has the text so far and the last delta's index (-1: none yet)", "[ai][protocol]") {
  CHECK(protocol::encode_assistant_snapshot("t", "u", "m", 2, "so \"far\"\n") ==
        R"({"type":"assistant.snapshot","thread_id":"t","turn_id":"u","in_reply_to":"m","index":2,"text":"so \"far\"\n"})");
  CHECK(protocol::encode_assistant_snapshot("t", "u", "m", -1, "") ==
        R"({"type":"assistant.snapshot","thread_id":"t","turn_id":"u","in_reply_to":"m","index":-1,"text":""})");
}
