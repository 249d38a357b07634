#pragma once
// The start-up banner: each step says what really happened, in the order it happened.
#include <cstdio>
#include <string>

namespace blazeiot {

class Banner {
 public:
  void rule() const { std::printf("%s\n", std::string(60, '=').c_str()); }
  void title(const std::string& text) const { std::printf("🔥 %s\n", text.c_str()); }
  void step(const std::string& text) const { std::printf("%s\n", text.c_str()); }
  void ok(const std::string& text) const { std::printf("✅ %s\n", text.c_str()); }
  void warn(const std::string& text) {
    std::printf("⚠️  %s\n", text.c_str());
    ++problems_;
  }
  void info(const std::string& text) const { std::printf("%s\n", text.c_str()); }
  int problems() const { return problems_; }
  void flush() const { std::fflush(stdout); }

 private:
  int problems_ = 0;
};

}  // namespace blazeiot
