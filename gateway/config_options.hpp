#pragma once
// gateway: the table of every setting (its flag, environment variable, help, default, and how its value is read and
// range-checked into Config). config.cpp reads flags, environment and file through it; nothing else uses it.
#include <functional>
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace techpulse::gateway::detail {

using Setter = std::function<void(Config&, const std::string&)>;

struct Binding {
  ConfigOption opt;
  Setter set;
};

// Every setting, in the order `--help` lists them.
const std::vector<Binding>& bindings();

}  // namespace techpulse::gateway::detail
