#include "gateway/config.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

#include "gateway/config_options.hpp"
#include "gateway/jwks.hpp"
#include "ai/assistant.hpp"
#include "notify/notifier.hpp"

namespace techpulse::gateway {

namespace {

using detail::bindings;

// "db-pool-size" and "db_pool_size" name the same setting in a config file.
std::string file_key(std::string_view flag) {
  std::string out(flag.substr(2));
  for (auto& c : out) {
    if (c == '_') c = '-';
  }
  return out;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// The rules between settings, after each one has been read.
void validate(const Config& c) {
  if (!c.metrics_listen.empty()) {
    auto colon = c.metrics_listen.rfind(':');
    auto port = colon == std::string::npos ? std::string() : c.metrics_listen.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
        std::stoi(port) > 65535) {
      throw std::invalid_argument(fmt::format("--metrics-listen: expected address:port, got \"{}\"", c.metrics_listen));
    }
  }
  if (c.max_content_bytes + 512 > c.max_frame_bytes) {
    throw std::invalid_argument(fmt::format(
        "--max-content-bytes ({}) must be at least 512 bytes below --max-frame-bytes ({}) so a send at the limit fits "
        "in one frame", c.max_content_bytes, c.max_frame_bytes));
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    throw std::invalid_argument(c.tls_cert.empty() ? "--tls-key is set without --tls-cert: set both or neither"
                                                   : "--tls-cert is set without --tls-key: set both or neither");
  }
  ai::Options ai;
  ai.provider = c.ai_provider;
  ai.base_url = c.ai_base_url;
  ai.model = c.ai_model;
  ai::validate(ai);
  notify::Options no;
  no.webhook_url = c.webhook_url;
  no.secret = c.webhook_secret;
  notify::validate(no);
}

}  // namespace

std::string_view source_name(Source s) {
  switch (s) {
    case Source::flag: return "flag";
    case Source::env: return "env";
    case Source::file: return "file";
    case Source::default_value: break;
  }
  return "default";
}

std::vector<ConfigOption> config_options() {
  std::vector<ConfigOption> out;
  for (const auto& b : bindings()) out.push_back(b.opt);
  return out;
}

LoadedConfig load(const std::vector<std::string>& args, EnvLookup env) {
  if (!env) env = [](const char* name) -> const char* { return std::getenv(name); };
  const auto& all = bindings();
  LoadedConfig out;

  // The command line, by CLI11. What is not configuration (the command, `token`'s flags) is left in `rest`.
  CLI::App app{"techpulse-gateway"};
  app.set_help_flag();
  app.allow_extras();
  std::vector<std::string> raw(all.size());
  std::vector<CLI::Option*> opts;
  for (size_t i = 0; i < all.size(); ++i) {
    opts.push_back(app.add_option(all[i].opt.flag, raw[i])->multi_option_policy(CLI::MultiOptionPolicy::TakeLast));
  }
  std::string file;
  auto* file_opt = app.add_option("--config", file)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes a vector last argument first
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw std::invalid_argument(e.what());
  }
  out.rest = app.remaining();

  // The config file: TOML or INI (CLI11's reader takes both), top-level `name = value` lines.
  if (file_opt->count() == 0) {
    if (const char* f = env("TECHPULSE_CONFIG"); f && *f) file = f;
  }
  std::vector<std::string> from_file(all.size());
  std::vector<bool> in_file(all.size(), false);
  if (!file.empty()) {
    out.file = file;
    std::vector<CLI::ConfigItem> items;
    try {
      items = CLI::ConfigTOML().from_file(file);
    } catch (const CLI::Error& e) {
      throw std::invalid_argument(fmt::format("--config {}: {}", file, e.what()));
    }
    for (const auto& item : items) {
      if (item.name == "++" || item.name == "--") continue;  // section markers
      if (!item.parents.empty()) {
        throw std::invalid_argument(fmt::format("{}: {}: sections are not read; put every setting at the top level",
                                                file, item.fullname()));
      }
      std::string key = file_key("--" + item.name);
      size_t i = 0;
      while (i < all.size() && file_key(all[i].opt.flag) != key) ++i;
      if (i == all.size()) throw std::invalid_argument(fmt::format("{}: unknown setting \"{}\"", file, item.name));
      if (item.inputs.size() != 1) {
        throw std::invalid_argument(fmt::format("{}: {}: expected one value", file, item.name));
      }
      from_file[i] = item.inputs[0];
      in_file[i] = true;
    }
  }

  // Each setting from the first source that has it: flag, environment, file, default.
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& b = all[i];
    LoadedConfig::Value v{b.opt, b.opt.default_value, Source::default_value, "default"};
    if (opts[i]->count() > 0) {
      v = {b.opt, raw[i], Source::flag, b.opt.flag};
    } else if (const char* e = env(b.opt.env.c_str()); e && *e) {
      v = {b.opt, e, Source::env, b.opt.env};
    } else if (in_file[i]) {
      v = {b.opt, from_file[i], Source::file, fmt::format("{}: {}", file, file_key(b.opt.flag))};
    }
    if (v.source != Source::default_value) {
      try {
        b.set(out.config, v.value);
      } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(v.origin + ": " + e.what());
      }
    }
    out.values.push_back(std::move(v));
  }
  validate(out.config);
  if (!out.config.jwt_jwks_file.empty()) {
    try {
      out.config.jwks = std::make_shared<const Jwks>(Jwks::load_file(out.config.jwt_jwks_file));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("--jwt-jwks-file: ") + e.what());
    }
  }
  return out;
}

Config load_config(int argc, char** argv, std::vector<std::string>& rest) {
  auto loaded = load(std::vector<std::string>(argv, argv + argc));
  rest = loaded.rest;
  return loaded.config;
}

std::string mask_conninfo(std::string_view conninfo) {
  std::string s(conninfo);
  // URL form: scheme://user:password@host...
  if (auto scheme = s.find("://"); scheme != std::string::npos) {
    auto at = s.find('@', scheme + 3);
    auto slash = s.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      auto colon = s.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URL parameter or a key=value pair.
  for (size_t pos = 0; (pos = s.find("password", pos)) != std::string::npos;) {
    size_t p = pos + 8;
    while (p < s.size() && s[p] == ' ') ++p;
    if (p >= s.size() || s[p] != '=' || (pos > 0 && std::isalnum(static_cast<unsigned char>(s[pos - 1])))) {
      pos = p;
      continue;
    }
    ++p;
    while (p < s.size() && s[p] == ' ') ++p;
    size_t end = p;
    if (end < s.size() && s[end] == '\'') {
      ++end;
      while (end < s.size() && s[end] != '\'') end += s[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, s.size());
    } else {
      while (end < s.size() && s[end] != ' ' && s[end] != '&') ++end;
    }
    s.replace(p, end - p, "***");
    pos = p + 3;
  }
  return s;
}

std::string describe(const LoadedConfig& c) {
  std::string out = "# techpulse-gateway: the effective configuration (a file --config reads back).\n"
                    "# After each value: where it came from (flag, env, file or default); secrets masked.\n";
  if (!c.file.empty()) out += fmt::format("# config file: {}\n", c.file);
  for (const auto& v : c.values) {
    std::string value = v.value;
    if (v.option.secret && !value.empty()) value = "***";
    if (v.option.flag == "--database-url") value = mask_conninfo(value);
    std::string shown = v.option.numeric ? value : toml_string(value);
    std::string from(source_name(v.source));
    if (v.source != Source::default_value) from += " " + v.origin;
    out += fmt::format("{} = {}  # {}\n", file_key(v.option.flag), shown, from);
  }
  return out;
}

std::string usage() {
  std::string out =
      "usage: techpulse-gateway [serve|migrate|token|config|check|version] [options]\n\n"
      "  serve      serve WebSocket clients (the default)\n"
      "  migrate    apply pending database migrations and exit\n"
      "  token      print a development access token: --sub <uuid> --role <role> [--ttl <seconds>]\n"
      "  config     print the effective configuration and where each value came from (secrets masked)\n"
      "  check      validate the configuration and connect to the database, then exit (0: ready to serve)\n"
      "  version    print the version\n\n"
      "Precedence: flag, then environment variable, then --config FILE (TOML or INI, `name = value` with the\n"
      "flag's name without dashes; also TECHPULSE_CONFIG), then the default.\n\n"
      "options (flag, environment variable, default):\n";
  for (const auto& o : config_options()) {
    out += fmt::format("  {:<26} {:<32} {}\n  {:<26} {}\n", o.flag, o.env,
                       o.default_value.empty() ? "(none)" : o.default_value, "", o.help);
  }
  return out;
}

}  // namespace techpulse::gateway
