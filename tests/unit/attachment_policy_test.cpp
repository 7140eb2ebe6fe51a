// gateway/attachments/policy: types, magic bytes, names, disposition and Range, at their edges (no I/O).
#include <catch2/catch.hpp>

#include "gateway/attachments/policy.hpp"

using namespace techpulse::gateway::attachments;

TEST_CASE("a Content-Type is reduced to its media type, with the aliases folded", "[unit][attachments]") {
  CHECK(media_type("Audio/WebM; codecs=opus") == "audio/webm");
  CHECK(media_type(" image/JPG ") == "image/jpeg");
  CHECK(media_type("audio/x-wav") == "audio/wav");
  CHECK(media_type("audio/x-m4a") == "audio/mp4");
  CHECK(media_type("") == "");
}

TEST_CASE("the allow-list names only types the gateway can check", "[unit][attachments]") {
  auto d = parse_types(kDefaultTypes);
  CHECK(allowed(d, "image/png"));
  CHECK(allowed(d, "audio/webm"));
  CHECK_FALSE(allowed(d, "image/svg+xml"));
  CHECK_FALSE(allowed(d, "text/html"));
  CHECK(parse_types("image/png, application/pdf") == std::vector<std::string>{"image/png", "application/pdf"});
  CHECK_THROWS_WITH(parse_types("image/png,image/svg+xml"), Catch::Contains("image/svg+xml"));
}

TEST_CASE("magic bytes must match the declared type", "[unit][attachments]") {
  const std::string png("\x89PNG\r\n\x1a\nrest", 12);
  CHECK(magic_matches("image/png", png));
  CHECK_FALSE(magic_matches("image/jpeg", png));
  CHECK_FALSE(magic_matches("image/png", png.substr(0, 7)));
  CHECK(magic_matches("image/jpeg", "\xff\xd8\xff\xe0"));
  CHECK(magic_matches("image/gif", "GIF89a..."));
  CHECK(magic_matches("image/webp", std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)));
  CHECK_FALSE(magic_matches("image/webp", std::string("RIFF\x10\0\0\0WAVEfmt ", 16)));
  CHECK(magic_matches("audio/wav", std::string("RIFF\x10\0\0\0WAVEfmt ", 16)));
  CHECK(magic_matches("application/pdf", "%PDF-1.7"));
  CHECK(magic_matches("audio/ogg", "OggS\0\x02"));
  CHECK(magic_matches("audio/webm", "\x1a\x45\xdf\xa3\x9f"));
  CHECK(magic_matches("audio/mp4", std::string("\0\0\0\x20" "ftypM4A ", 12)));
  CHECK(magic_matches("audio/mpeg", "ID3\x04"));
  CHECK(magic_matches("audio/mpeg", "\xff\xfb\x90\x00"));
  CHECK_FALSE(magic_matches("audio/mpeg", "\xff\x0b"));
  CHECK(magic_matches("text/plain", "plain words, caf\xc3\xa9\n"));
  CHECK_FALSE(magic_matches("text/plain", std::string("a\0b", 3)));
  CHECK_FALSE(magic_matches("text/plain", "\xc3("));
  CHECK_FALSE(magic_matches("text/plain", ""));
  // A first chunk of a longer text may end inside a code point.
  std::string cut(kMagicBytes - 1, 'a');
  cut += "\xc3";
  CHECK(magic_matches("text/plain", cut));
  CHECK_FALSE(magic_matches("text/plain", "short\xc3"));
  CHECK_FALSE(magic_matches("image/svg+xml", "<svg/>"));
}

TEST_CASE("file names lose paths, control characters and quotes, and stop at 255 characters", "[unit][attachments]") {
  CHECK(clean_name("../../etc/passwd") == "passwd");
  CHECK(clean_name("C:\\Users\\dana\\photo.png") == "photo.png");
  CHECK(clean_name("a\"b\r\nc.png") == "abc.png");
  CHECK_FALSE(clean_name(""));
  CHECK_FALSE(clean_name("dir/"));
  CHECK_FALSE(clean_name(".."));
  CHECK_FALSE(clean_name("\xff\xfe.png"));
  std::string long_name;
  for (int i = 0; i < 300; ++i) long_name += "\xc3\xa9";  // é, two bytes each
  auto cleaned = clean_name(long_name);
  REQUIRE(cleaned);
  CHECK(cleaned->size() == 510);
  CHECK(disposition_filename("attachment; filename=\"dash \\\"board\\\".png\"") == "dash \"board\".png");
  CHECK(disposition_filename("attachment; filename*=UTF-8''caf%C3%A9.png; filename=\"cafe.png\"") == "caf\xc3\xa9.png");
  CHECK(disposition_filename("attachment; filename=plain.txt") == "plain.txt");
  CHECK(disposition_filename("inline") == "");
}

TEST_CASE("images and audio are inline, everything else downloads, the name quoted and percent-encoded",
          "[unit][attachments]") {
  CHECK(content_disposition("image/png", "a b.png") == "inline; filename=\"a b.png\"; filename*=UTF-8''a%20b.png");
  CHECK(content_disposition("audio/ogg", "v.ogg").rfind("inline;", 0) == 0);
  CHECK(content_disposition("application/pdf", "caf\xc3\xa9.pdf") ==
        "attachment; filename=\"caf__.pdf\"; filename*=UTF-8''caf%C3%A9.pdf");
  CHECK(content_disposition("text/plain", "n.txt").rfind("attachment;", 0) == 0);
  CHECK(served_type("text/plain") == "text/plain; charset=utf-8");
}

TEST_CASE("one byte range per RFC 9110; anything else is the whole file", "[unit][attachments]") {
  auto r = parse_range("bytes=10-19", 100);
  CHECK(r.kind == RangeRequest::partial);
  CHECK(r.range.first == 10);
  CHECK(r.range.last == 19);
  r = parse_range("bytes=90-", 100);
  CHECK((r.kind == RangeRequest::partial && r.range.first == 90 && r.range.last == 99));
  r = parse_range("bytes=-10", 100);
  CHECK((r.kind == RangeRequest::partial && r.range.first == 90 && r.range.last == 99));
  r = parse_range("bytes=-500", 100);
  CHECK((r.kind == RangeRequest::partial && r.range.first == 0 && r.range.last == 99));
  r = parse_range("bytes=50-5000", 100);
  CHECK((r.kind == RangeRequest::partial && r.range.last == 99));
  CHECK(parse_range("bytes=100-", 100).kind == RangeRequest::unsatisfiable);
  CHECK(parse_range("bytes=-0", 100).kind == RangeRequest::unsatisfiable);
  CHECK(parse_range("", 100).kind == RangeRequest::whole);
  CHECK(parse_range("bytes=0-1,5-6", 100).kind == RangeRequest::whole);
  CHECK(parse_range("items=0-1", 100).kind == RangeRequest::whole);
  CHECK(parse_range("bytes=5-2", 100).kind == RangeRequest::whole);
  CHECK(parse_range("bytes=x-2", 100).kind == RangeRequest::whole);
}
