#include "core/iso_time.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace blazeiot {
namespace {

bool read_digits(std::string_view s, std::size_t& pos, int count, int& out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (int i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += count;
  out = v;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

void append_iso8601(std::string& out, EpochMs ms) {
  using namespace std::chrono;
  sys_time<milliseconds> tp{milliseconds{ms}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{tp - day};
  const int year = int(ymd.year());
  if (year < 0 || year > 9999) {  // outside what four digits hold: rare, keep it simple
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", year,
                  unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                  long(hms.minutes().count()), long(hms.seconds().count()),
                  long(hms.subseconds().count()));
    out += buf;
    return;
  }
  // Written digit by digit: this runs twice per reading in every page and live event.
  char buf[] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int at, int width, long value) {
    for (int i = at + width - 1; i >= at; --i, value /= 10) buf[i] = char('0' + value % 10);
  };
  put(0, 4, year);
  put(5, 2, long(unsigned(ymd.month())));
  put(8, 2, long(unsigned(ymd.day())));
  put(11, 2, long(hms.hours().count()));
  put(14, 2, long(hms.minutes().count()));
  put(17, 2, long(hms.seconds().count()));
  put(20, 3, long(hms.subseconds().count()));
  out.append(buf, 24);
}

std::string format_iso8601(EpochMs ms) {
  std::string out;
  append_iso8601(out, ms);
  return out;
}

std::optional<EpochMs> parse_iso8601(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0, millis = 0;
  if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mo) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, d))
    return std::nullopt;
  year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok()) return std::nullopt;
  int offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(s, pos, 2, h) || !expect(s, pos, ':') || !read_digits(s, pos, 2, mi))
      return std::nullopt;
    if (expect(s, pos, ':')) {
      if (!read_digits(s, pos, 2, sec)) return std::nullopt;
      if (expect(s, pos, '.')) {
        // Keep milliseconds, ignore finer digits.
        int digits = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
          if (digits < 3) millis = millis * 10 + (s[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) millis *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    if (pos < s.size()) {
      char z = s[pos];
      if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        int oh, om;
        if (!read_digits(s, pos, 2, oh)) return std::nullopt;
        expect(s, pos, ':');
        if (!read_digits(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (oh * 60 + om) * (z == '+' ? 1 : -1);
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != s.size()) return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{millis} -
            minutes{offset_minutes};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace blazeiot
