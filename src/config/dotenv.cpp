#include "config/dotenv.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <filesystem>

namespace blazeiot {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::map<std::string, std::string> parse_dotenv(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(trim(line.substr(0, eq)));
    std::string_view value = trim(line.substr(eq + 1));
    std::string parsed;
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.find(value.front(), 1) != std::string_view::npos) {
      char q = value.front();
      std::string_view inner = value.substr(1, value.find(q, 1) - 1);
      if (q == '"') {
        for (std::size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] == '\\' && i + 1 < inner.size() && inner[i + 1] == 'n') {
            parsed += '\n';
            ++i;
          } else {
            parsed += inner[i];
          }
        }
      } else {
        parsed = inner;
      }
    } else {
      // Unquoted: an inline comment starts at " #".
      std::size_t hash = value.find(" #");
      parsed = std::string(trim(value.substr(0, hash)));
    }
    if (!key.empty()) out[key] = parsed;
  }
  return out;
}

std::map<std::string, std::string> read_dotenv_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_dotenv(ss.str());
}

}  // namespace blazeiot
