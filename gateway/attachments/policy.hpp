#pragma once
// attachments: the pure rules of file uploads and downloads (docs/http-api.md, "Attachments"): which content types
// are allowed (--attachment-types), whether a file's first bytes match its declared type, the file name a client
// may give, how a download is disposed (inline for images and audio) and which byte range a Range header asks for.
// No I/O, no Beast, no SQL: the transport streams the bytes (gateway/transport/attachment_*.cpp), storage/
// attachment_store.* stores them, and who may read or write is decided in SQL (tp_begin_attachment,
// tp_readable_attachment).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace techpulse::gateway::attachments {

// The default of --attachment-types: images (not SVG, which can carry script), PDF, plain text, common audio.
inline constexpr std::string_view kDefaultTypes =
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,audio/ogg,audio/mpeg,audio/mp4,"
    "audio/webm,audio/wav";

// The types this build can check by their magic bytes (an allow-list may name only these).
const std::vector<std::string_view>& known_types();

// The media type of a Content-Type header: lower-cased, parameters and spaces dropped ("Audio/WebM; codecs=opus"
// is "audio/webm"); audio/x-wav and audio/wave are audio/wav, audio/x-m4a is audio/mp4, image/jpg is image/jpeg.
std::string media_type(std::string_view content_type);

// Parses a comma-separated allow-list; throws std::invalid_argument naming an entry this build cannot check.
std::vector<std::string> parse_types(std::string_view list);
bool allowed(const std::vector<std::string>& types, std::string_view media);

// How many leading bytes magic_matches needs at most (an upload checks its first chunk, or the whole file if shorter).
inline constexpr size_t kMagicBytes = 4096;
// Whether `head`, the first bytes of the file (all of them if it is shorter than kMagicBytes), is a `media` file.
// text/plain: valid UTF-8 without NUL (a cut code point at the end of a longer file is fine).
bool magic_matches(std::string_view media, std::string_view head);

// A file name as given (Content-Disposition filename or ?name=): its last path segment, control characters and
// quotes removed, at most 255 characters; nullopt when nothing is left.
std::optional<std::string> clean_name(std::string_view raw);
// The filename of `Content-Disposition: attachment; filename="..."` (or filename*=UTF-8''...); empty when none.
std::string disposition_filename(std::string_view header);

// images and audio are shown inline; everything else downloads.
bool shown_inline(std::string_view media);
// `inline; filename="x"; filename*=UTF-8''x` (or `attachment; ...`), the name percent-encoded in filename*.
std::string content_disposition(std::string_view media, std::string_view name);
// The Content-Type a download is served with (text/plain says its charset).
std::string served_type(std::string_view media);

struct ByteRange {
  int64_t first = 0;
  int64_t last = 0;  // inclusive
};
struct RangeRequest {
  enum Kind { whole, partial, unsatisfiable } kind = whole;
  ByteRange range;
};
// RFC 9110 14.2 for one range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) of a file of `size` bytes. Anything else (several
// ranges, another unit, a malformed header) is answered with the whole file, as the RFC allows.
RangeRequest parse_range(std::string_view header, int64_t size);

}  // namespace techpulse::gateway::attachments
