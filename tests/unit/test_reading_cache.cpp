#include <gtest/gtest.h>

#include "http/reading_cache.hpp"

namespace blazeiot {
namespace {

ReadingQuery device_query(std::string id, int limit = 100, std::int64_t offset = 0) {
  ReadingQuery q;
  q.source_type = SourceType::device;
  q.source_id = std::move(id);
  q.limit = limit;
  q.offset = offset;
  return q;
}

ReadingCache::Page page_of(std::string text, std::int64_t total = 5) {
  return {std::make_shared<const std::string>(std::move(text)), 1, total};
}

TEST(ReadingCache, ServesAPageUntilItsSourceGetsAReading) {
  FakeClock clock;
  ReadingCache cache(clock);
  const auto q = device_query("D1");
  EXPECT_FALSE(cache.page(q));
  cache.put_page(q, cache.ticket(q), page_of("[1]"));
  ASSERT_TRUE(cache.page(q));
  EXPECT_EQ(*cache.page(q)->items, "[1]");
  EXPECT_EQ(cache.page(q)->total, 5);

  cache.invalidate("D2");  // another source: kept
  EXPECT_TRUE(cache.page(q));
  cache.invalidate("D1");
  EXPECT_FALSE(cache.page(q));
}

TEST(ReadingCache, PagesAndTotalsAreKeptApartAndByWindow) {
  FakeClock clock;
  ReadingCache cache(clock);
  const auto first = device_query("D1", 10, 0);
  const auto second = device_query("D1", 10, 10);
  cache.put_page(first, cache.ticket(first), page_of("[1]"));
  EXPECT_FALSE(cache.page(second));  // another window
  EXPECT_FALSE(cache.total(first));  // a page is not a total
  cache.put_total(second, cache.ticket(second), 42);
  EXPECT_EQ(cache.total(first), 42);  // totals ignore the window
  auto typed = first;
  typed.type = "Temperature";
  EXPECT_FALSE(cache.total(typed));
  EXPECT_FALSE(cache.page(typed));
}

TEST(ReadingCache, AnswerOfAQueryThatRanDuringAnInvalidationIsNotStored) {
  FakeClock clock;
  ReadingCache cache(clock);
  const auto q = device_query("D1");
  const auto ticket = cache.ticket(q);  // the query starts...
  cache.invalidate("D1");               // ...a reading is stored meanwhile...
  cache.put_page(q, ticket, page_of("[old]"));
  cache.put_total(q, ticket, 1);
  EXPECT_FALSE(cache.page(q));  // ...so its answer may be older than the data: dropped
  EXPECT_FALSE(cache.total(q));

  const auto after_clear = cache.ticket(q);
  cache.clear();
  cache.put_page(q, after_clear, page_of("[old]"));
  EXPECT_FALSE(cache.page(q));
}

TEST(ReadingCache, EntriesExpire) {
  FakeClock clock;
  ReadingCache cache(clock, 2000);
  const auto q = device_query("D1");
  cache.put_page(q, cache.ticket(q), page_of("[1]"));
  clock.advance_ms(1999);
  EXPECT_TRUE(cache.page(q));
  clock.advance_ms(1);
  EXPECT_FALSE(cache.page(q));
}

TEST(ReadingCache, QueriesWithoutOneSourceAreNotCached) {
  FakeClock clock;
  ReadingCache cache(clock);
  ReadingQuery all;
  cache.put_page(all, cache.ticket(all), page_of("[1]"));
  cache.put_total(all, cache.ticket(all), 3);
  EXPECT_FALSE(cache.page(all));
  EXPECT_FALSE(cache.total(all));
}

TEST(ReadingCache, StaysWithinItsBounds) {
  FakeClock clock;
  ReadingCache cache(clock, 2000, /*max_entries=*/4, /*max_page_bytes=*/64 * 100);
  for (int i = 0; i < 50; ++i) {
    const auto q = device_query("D" + std::to_string(i));
    cache.put_page(q, cache.ticket(q), page_of("[" + std::to_string(i) + "]"));
  }
  int kept = 0;
  for (int i = 0; i < 50; ++i) kept += cache.page(device_query("D" + std::to_string(i))) ? 1 : 0;
  EXPECT_LE(kept, 4);
  EXPECT_GE(kept, 1);  // recent ones survive a reset
  // A page larger than its share of the byte budget is not kept at all.
  const auto q = device_query("big");
  cache.put_page(q, cache.ticket(q), page_of(std::string(200, 'x')));
  EXPECT_FALSE(cache.page(q));
}

}  // namespace
}  // namespace blazeiot
