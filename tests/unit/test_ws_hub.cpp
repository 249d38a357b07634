#include <gtest/gtest.h>

#include "domain/event_bus.hpp"
#include "ws/ws_hub.hpp"

using namespace blazeiot;

namespace {
// The next message the session's writer would send, or nullptr.
std::shared_ptr<const std::string> next(WsClient& c) {
  auto batch = c.next_batch(1);
  return batch.empty() ? nullptr : batch.front();
}
}  // namespace

namespace {
Reading typed_reading(std::string source, std::string type) {
  Reading r;
  r.source_id = std::move(source);
  r.type = std::move(type);
  r.data_json = R"({"value":1})";
  r.received_at = 1'700'000'000'000;
  return r;
}
}  // namespace

TEST(WsHub, DeliversOnlySubscribedChannelsAndMatchingFilters) {
  EventBus bus;
  WsHub hub(bus, 1 << 16, 1 << 20);
  int wakes = 0;
  auto all = hub.add([&] { ++wakes; });
  auto one = hub.add([] {});
  all->subscribe(WsChannel::sensor_data, {});
  one->subscribe(WsChannel::sensor_data, WsFilter{"Device0002", "", ""});

  bus.publish(ReadingStored{typed_reading("Device0001", "Temperature")});
  bus.publish(ReadingStored{typed_reading("Device0002", "Temperature")});
  bus.publish(PresenceChanged{EntityKind::device, "Device0001", "", Presence::online, 0});

  ASSERT_NE(next(*all), nullptr);
  ASSERT_NE(next(*all), nullptr);
  EXPECT_EQ(next(*all), nullptr);  // the presence change is on "devices", not subscribed
  EXPECT_EQ(wakes, 1);              // one wake-up until the writer drains
  auto only = next(*one);
  ASSERT_NE(only, nullptr);
  EXPECT_NE(only->find("Device0002"), std::string::npos);
  EXPECT_EQ(next(*one), nullptr);
}

TEST(WsHub, SensorDataMessageFollowsTheContract) {
  EventBus bus;
  WsHub hub(bus, 1 << 16, 1 << 20);
  auto c = hub.add([] {});
  c->subscribe(WsChannel::sensor_data, {});
  bus.publish(ReadingStored{typed_reading("Device0001", "Temperature")});
  auto text = next(*c);
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(*text,
            R"({"type":"sensor_data","source_type":"device","source_id":"Device0001",)"
            R"("data":{"value":1},"timestamp":"2023-11-14T22:13:20.000Z"})");
}

TEST(WsHub, ASlowClientOverflowsWithoutAffectingOthers) {
  EventBus bus;
  WsHub hub(bus, 1000, 4000);
  auto slow = hub.add([] {});
  auto fast = hub.add([] {});
  slow->subscribe(WsChannel::logs, {});
  fast->subscribe(WsChannel::logs, {});
  for (int i = 0; i < 200; ++i) {
    LogEntry e;
    e.message = "log line " + std::to_string(i);
    bus.publish(LogWritten{e});
    ASSERT_NE(next(*fast), nullptr);  // the fast one keeps up
  }
  EXPECT_TRUE(slow->overflowed());
  EXPECT_FALSE(fast->overflowed());
  EXPECT_LE(slow->queued_bytes(), 4000u);
}

TEST(WsHub, UnsubscribeStopsDelivery) {
  EventBus bus;
  WsHub hub(bus, 1 << 16, 1 << 20);
  auto c = hub.add([] {});
  c->subscribe(WsChannel::devices, {});
  EXPECT_TRUE(c->unsubscribe(WsChannel::devices));
  bus.publish(PresenceChanged{EntityKind::device, "d", "", Presence::offline, 0});
  EXPECT_EQ(next(*c), nullptr);
  hub.remove(c->id());
  EXPECT_EQ(hub.connections(), 0u);
}
