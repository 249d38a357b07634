#include <gtest/gtest.h>

#include "core/iso_time.hpp"

using namespace blazeiot;

TEST(IsoTime, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1730543400123), "2024-11-02T10:30:00.123Z");
}

TEST(IsoTime, ParsesTheCommonForms) {
  EXPECT_EQ(parse_iso8601("2024-11-02T10:30:00.123Z"), 1730543400123);
  EXPECT_EQ(parse_iso8601("2024-11-02T10:30:00Z"), 1730543400000);
  EXPECT_EQ(parse_iso8601("2024-11-02T12:30:00+02:00"), 1730543400000);
  EXPECT_EQ(parse_iso8601("2024-11-02"), 1730505600000);
  EXPECT_EQ(parse_iso8601("2024-11-02T10:30"), 1730543400000);
}

TEST(IsoTime, RejectsNonsense) {
  for (const char* bad : {"", "2024", "2024-13-01", "2024-02-30", "2024-11-02T25:00:00Z",
                          "2024-11-02T10:30:00Zjunk", "yesterday", "2024-11-02T10:30:00."})
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
}
