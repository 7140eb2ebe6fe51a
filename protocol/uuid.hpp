#pragma once
#include <string>
#include <string_view>

namespace techpulse::protocol {

// True for the canonical 8-4-4-4-12 hex form (either case).
bool is_uuid(std::string_view s);
// A random (version 4) UUID in lower-case canonical form.
std::string new_uuid();

}  // namespace techpulse::protocol
