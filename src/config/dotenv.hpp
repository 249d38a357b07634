#pragma once
// Reads a .env file as the Node.js dotenv package does: KEY=VALUE lines, '#' comments,
// optional "export ", single or double quotes (double quotes expand \n), no interpolation.
#include <map>
#include <string>
#include <string_view>

namespace blazeiot {

std::map<std::string, std::string> parse_dotenv(std::string_view text);

// Empty map when the file does not exist; throws std::runtime_error when it cannot be read.
std::map<std::string, std::string> read_dotenv_file(const std::string& path);

}  // namespace blazeiot
