#include "http/byte_range.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace blazeiot {
namespace {

void expect_range(std::string_view header, std::uint64_t size, std::uint64_t first,
                  std::uint64_t last) {
  const RangeRequest r = parse_range(header, size);
  EXPECT_EQ(r.kind, RangeKind::satisfiable) << header;
  EXPECT_EQ(r.range.first, first) << header;
  EXPECT_EQ(r.range.last, last) << header;
}

RangeKind kind(std::string_view header, std::uint64_t size) {
  return parse_range(header, size).kind;
}

TEST(ByteRange, SatisfiableForms) {
  expect_range("bytes=0-499", 1000, 0, 499);
  expect_range("bytes=500-999", 1000, 500, 999);
  expect_range("bytes=500-", 1000, 500, 999);
  expect_range("bytes=999-999", 1000, 999, 999);
  expect_range("bytes=-200", 1000, 800, 999);
  expect_range("bytes=-1", 1000, 999, 999);
  expect_range("Bytes=0-0", 1, 0, 0);
  expect_range("  bytes=0-9  ", 100, 0, 9);
  expect_range("bytes= 0-9 ", 100, 0, 9);
  expect_range("bytes=0-9,", 100, 0, 9);  // empty list elements do not count
}

TEST(ByteRange, LastIsClampedToTheEnd) {
  expect_range("bytes=0-5000", 1000, 0, 999);
  expect_range("bytes=10-99999999999999999999999", 1000, 10, 999);
  expect_range("bytes=-5000", 1000, 0, 999);  // a suffix longer than the file: all of it
  expect_range("bytes=-99999999999999999999999", 1000, 0, 999);
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  expect_range("bytes=0-", kMax, 0, kMax - 1);
}

TEST(ByteRange, UnsatisfiableIs416) {
  EXPECT_EQ(kind("bytes=1000-", 1000), RangeKind::unsatisfiable);
  EXPECT_EQ(kind("bytes=1000-2000", 1000), RangeKind::unsatisfiable);
  EXPECT_EQ(kind("bytes=99999999999999999999999-", 1000), RangeKind::unsatisfiable);
  EXPECT_EQ(kind("bytes=-0", 1000), RangeKind::unsatisfiable);
  EXPECT_EQ(kind("bytes=0-", 0), RangeKind::unsatisfiable);
  EXPECT_EQ(kind("bytes=-10", 0), RangeKind::unsatisfiable);
  EXPECT_EQ(kind("bytes=0-0", 0), RangeKind::unsatisfiable);
}

TEST(ByteRange, InvalidOrMultipleRangesAreIgnored) {
  for (const char* header :
       {"", "bytes", "bytes=", "bytes=-", "bytes=abc", "bytes=5", "bytes=1-2-3", "bytes=9-5",
        "bytes=0x10-", "bytes=+1-2", "bytes=1 -2", "bytes =0-1", "items=0-1", "bytes=0-1,2-3",
        "bytes=0-1, -5", "bytes=,", "bytes=-1-2", "bytes=0-1;x", "0-1"})
    EXPECT_EQ(kind(header, 1000), RangeKind::none) << header;
  EXPECT_EQ(kind("bytes=0-1,2-3", 0), RangeKind::none);
  EXPECT_EQ(kind("bytes=5-1", 0), RangeKind::none);
}

TEST(ByteRange, IfRangeUsesStrongComparison) {
  EXPECT_TRUE(if_range_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(if_range_matches(" \"abc\" ", "\"abc\""));
  EXPECT_FALSE(if_range_matches("\"abd\"", "\"abc\""));
  EXPECT_FALSE(if_range_matches("W/\"abc\"", "\"abc\""));
  EXPECT_FALSE(if_range_matches("\"abc\"", "W/\"abc\""));
  EXPECT_FALSE(if_range_matches("abc", "abc"));
  EXPECT_FALSE(if_range_matches("Wed, 21 Oct 2015 07:28:00 GMT", "\"abc\""));
  EXPECT_FALSE(if_range_matches("", "\"abc\""));
  EXPECT_FALSE(if_range_matches("\"", "\""));
  EXPECT_FALSE(if_range_matches("\"a b\"", "\"a b\""));
  EXPECT_FALSE(if_range_matches("\"abc\", \"def\"", "\"abc\""));
}

}  // namespace
}  // namespace blazeiot
