#pragma once
// The app's files as compiled into the binary (generated from embedded_files.cpp.in by CMake).
#include <span>
#include <string_view>

namespace techpulse::gateway::web {

struct EmbeddedFile {
  std::string_view path;     // "/index.html"
  std::string_view content;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace techpulse::gateway::web
