#include <gtest/gtest.h>

#include "ingest/disk_space_watch.hpp"

namespace blazeiot {
namespace {

constexpr std::uint64_t MiB = 1024 * 1024;
using Change = DiskSpaceWatch::Change;

TEST(DiskSpaceWatch, LowBelowTheMinimumAndBackOnlyAboveTheMargin) {
  std::optional<std::uint64_t> free = 1000 * MiB;
  DiskSpaceWatch watch(256 * MiB, [&] { return free; });
  EXPECT_EQ(watch.check(), Change::none);
  EXPECT_FALSE(watch.low());
  EXPECT_EQ(watch.last_free(), 1000 * MiB);

  free = 256 * MiB;  // at the minimum is still enough
  EXPECT_EQ(watch.check(), Change::none);
  free = 256 * MiB - 1;
  EXPECT_EQ(watch.check(), Change::became_low);
  EXPECT_TRUE(watch.low());
  EXPECT_EQ(watch.check(), Change::none);  // reported once

  // A quarter of the minimum above it before going on: no flapping at the boundary.
  EXPECT_EQ(watch.resume_at(), 320 * MiB);
  free = 300 * MiB;
  EXPECT_EQ(watch.check(), Change::none);
  EXPECT_TRUE(watch.low());
  free = 320 * MiB;
  EXPECT_EQ(watch.check(), Change::recovered);
  EXPECT_FALSE(watch.low());
}

TEST(DiskSpaceWatch, TheMarginIsAQuarterFrom16To256MiB) {
  auto resume_at = [](std::uint64_t min) {
    return DiskSpaceWatch(min, [] { return std::optional<std::uint64_t>(); }).resume_at();
  };
  EXPECT_EQ(resume_at(8 * MiB), 24 * MiB);
  EXPECT_EQ(resume_at(256 * MiB), 320 * MiB);
  EXPECT_EQ(resume_at(4096 * MiB), 4352 * MiB);
}

TEST(DiskSpaceWatch, SmallMinimumsKeepAMarginOf16MiB) {
  std::optional<std::uint64_t> free = 0;
  DiskSpaceWatch watch(8 * MiB, [&] { return free; });
  EXPECT_EQ(watch.resume_at(), 24 * MiB);
  EXPECT_EQ(watch.check(), Change::became_low);
  free = 23 * MiB;
  EXPECT_EQ(watch.check(), Change::none);
  free = 24 * MiB;
  EXPECT_EQ(watch.check(), Change::recovered);
}

TEST(DiskSpaceWatch, AnUnreadableFigureIsSaidOnceAndChangesNothing) {
  std::optional<std::uint64_t> free = 0;
  DiskSpaceWatch watch(256 * MiB, [&] { return free; });
  EXPECT_EQ(watch.check(), Change::became_low);
  free.reset();
  EXPECT_EQ(watch.check(), Change::unreadable);
  EXPECT_EQ(watch.check(), Change::none);  // once per spell of failures
  EXPECT_TRUE(watch.low());
  EXPECT_FALSE(watch.last_free());
  free = 0;
  EXPECT_EQ(watch.check(), Change::none);
  free.reset();
  EXPECT_EQ(watch.check(), Change::unreadable);  // a new spell
  free = 400 * MiB;
  EXPECT_EQ(watch.check(), Change::recovered);
}

TEST(DiskSpaceWatch, MinimumZeroNeverAsks) {
  int asked = 0;
  DiskSpaceWatch watch(0, [&] {
    ++asked;
    return std::optional<std::uint64_t>(0);
  });
  EXPECT_EQ(watch.check(), Change::none);
  EXPECT_FALSE(watch.low());
  EXPECT_EQ(asked, 0);
}

}  // namespace
}  // namespace blazeiot
