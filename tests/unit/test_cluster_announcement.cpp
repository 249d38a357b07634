#include <gtest/gtest.h>

#include "cluster/cluster_announcement.hpp"

using namespace blazeiot;

namespace {

Reading reading_at(const std::string& id, std::string data, EpochMs at) {
  Reading r;
  r.source_id = id;
  r.type = "Temperature";
  r.value = 25.5;
  r.data_json = std::move(data);
  r.received_at = at;
  return r;
}

std::vector<ClusterAnnouncement> receive(AnnouncementDecoder& d,
                                         const std::vector<std::string>& payloads) {
  std::vector<ClusterAnnouncement> out;
  for (const std::string& p : payloads) {
    EXPECT_LT(p.size(), 8000u);
    if (auto a = d.feed(p)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace

TEST(ClusterAnnouncement, RoundTripsEveryKindOfItem) {
  IngestBatch b;
  b.presence.push_back(
      {EntityKind::node, "58:8c:81:ab:a6:16", "BLEGateway0001", Presence::offline, 7});
  b.sightings.push_back({EntityKind::device, "Device0001", "", "n", "t", 5});
  b.readings.push_back(reading_at("Device0001", R"({"device_id":"Device0001","v":"\"q\" é"})", 5));
  b.readings.back().device_time = 4;
  b.ota_responses.push_back({"Device0001", "downloading", "1.2.0", "", 40, 6});
  b.logs.push_back({0, "device", "info", "Device0001", "line\nbreak", "{}", 8});
  std::atomic<std::uint64_t> seq{1};
  AnnouncementDecoder decoder(/*own_origin=*/99);
  auto got = receive(decoder, encode_announcements(b, 42, seq));
  ASSERT_EQ(got.size(), 1u);
  const ClusterAnnouncement& a = got[0];
  EXPECT_EQ(a.origin, 42u);
  ASSERT_EQ(a.presence.size(), 1u);
  EXPECT_EQ(a.presence[0].gateway_id, "BLEGateway0001");
  EXPECT_EQ(a.presence[0].status, Presence::offline);
  ASSERT_EQ(a.sightings.size(), 1u);
  EXPECT_EQ(a.sightings[0].seen_at, 5);
  ASSERT_EQ(a.events.size(), 4u);  // presence, reading, OTA, log
  const auto& r = std::get<ReadingStored>(a.events[1]).reading;
  EXPECT_EQ(r.data_json, b.readings[0].data_json);
  EXPECT_EQ(r.value, 25.5);
  EXPECT_EQ(r.device_time, 4);
  EXPECT_EQ(std::get<OtaStatusChanged>(a.events[2]).response.progress, 40);
  EXPECT_EQ(std::get<LogWritten>(a.events[3]).entry.message, "line\nbreak");
}

TEST(ClusterAnnouncement, OwnAnnouncementsAreSkipped) {
  IngestBatch b;
  b.logs.push_back({0, "system", "info", "x", "hello", "{}", 1});
  std::atomic<std::uint64_t> seq{1};
  AnnouncementDecoder decoder(42);
  EXPECT_TRUE(receive(decoder, encode_announcements(b, 42, seq)).empty());
  EXPECT_EQ(decoder.malformed(), 0u);
}

TEST(ClusterAnnouncement, LargeBatchesSplitIntoWholeItemsUnderTheLimit) {
  IngestBatch b;
  for (int i = 0; i < 2000; ++i)
    b.readings.push_back(reading_at("Device" + std::to_string(i % 50),
                                    R"({"device_id":"x","seq":)" + std::to_string(i) + "}", i));
  std::atomic<std::uint64_t> seq{1};
  auto payloads = encode_announcements(b, 7, seq);
  EXPECT_GT(payloads.size(), 10u);
  AnnouncementDecoder decoder(1);
  std::size_t readings = 0;
  for (const auto& a : receive(decoder, payloads)) readings += a.events.size();
  EXPECT_EQ(readings, 2000u);
}

TEST(ClusterAnnouncement, AnOversizedItemTravelsInFragmentsSplitBetweenCharacters) {
  IngestBatch b;
  std::string big = R"({"blob":")";
  for (int i = 0; i < 30000; ++i) big += "é";  // two bytes each: cuts must avoid the middle
  big += R"("})";
  b.readings.push_back(reading_at("Big", big, 1));
  b.readings.push_back(reading_at("Small", "{}", 2));
  std::atomic<std::uint64_t> seq{1};
  auto payloads = encode_announcements(b, 7, seq);
  EXPECT_GE(payloads.size(), 8u);
  for (const std::string& p : payloads) {
    std::string_view body = std::string_view(p).substr(p.find('\n') + 1);
    ASSERT_FALSE(body.empty());
    EXPECT_NE(static_cast<unsigned char>(body[0]) & 0xC0, 0x80) << "starts inside a character";
  }
  AnnouncementDecoder decoder(1);
  auto got = receive(decoder, payloads);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<ReadingStored>(got[0].events[0]).reading.data_json, big);
  EXPECT_EQ(std::get<ReadingStored>(got[1].events[0]).reading.source_id, "Small");
}

TEST(ClusterAnnouncement, AFragmentSeriesCutByAReconnectIsDropped) {
  IngestBatch b;
  b.readings.push_back(reading_at("Big", R"({"blob":")" + std::string(20000, 'x') + R"("})", 1));
  std::atomic<std::uint64_t> seq{1};
  auto payloads = encode_announcements(b, 7, seq);
  ASSERT_GE(payloads.size(), 3u);
  AnnouncementDecoder decoder(1);
  EXPECT_FALSE(decoder.feed(payloads[0]));
  decoder.reset();
  for (std::size_t i = 1; i < payloads.size(); ++i) EXPECT_FALSE(decoder.feed(payloads[i]));
  EXPECT_GT(decoder.malformed(), 0u);
  EXPECT_FALSE(decoder.feed("garbage"));
}

TEST(ClusterAnnouncement, IngestBatchesLeaveOtaResponsesToTheOtaEvents) {
  IngestBatch b;
  b.ota_responses.push_back({"Device0001", "success", "1.2.0", "", std::nullopt, 6});
  std::atomic<std::uint64_t> seq{1};
  EXPECT_TRUE(encode_announcements(b, 7, seq, /*with_ota=*/false).empty());
  EXPECT_EQ(encode_announcements(b, 7, seq).size(), 1u);
}
