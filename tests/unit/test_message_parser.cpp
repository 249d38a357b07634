#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "ingest/message_parser.hpp"

using namespace blazeiot;

namespace {
constexpr EpochMs kReceivedAt = 1'730'543'400'000;

ParsedMessage ok(std::string_view topic, std::string_view payload) {
  auto r = parse_message(topic, payload, kReceivedAt, ParseLimits{});
  if (auto* rej = std::get_if<Rejection>(&r)) {
    ADD_FAILURE() << "rejected: " << rej->detail;
    return {};
  }
  return std::get<ParsedMessage>(std::move(r));
}

RejectReason rejected(std::string_view topic, std::string_view payload, ParseLimits limits = {}) {
  auto r = parse_message(topic, payload, kReceivedAt, limits);
  if (!std::holds_alternative<Rejection>(r)) {
    ADD_FAILURE() << "accepted " << payload;
    return RejectReason::unknown_topic;
  }
  return std::get<Rejection>(r).reason;
}
}  // namespace

TEST(MessageParser, SensorDataKeepsEveryField) {
  auto m = ok("SensorData/Device0001",
              R"({"device_id":"Device0001","type":"Temperature","value":25.5,"unit":"C","battery":91})");
  ASSERT_EQ(m.readings.size(), 1u);
  const Reading& r = m.readings[0];
  EXPECT_EQ(r.source_type, SourceType::device);
  EXPECT_EQ(r.source_id, "Device0001");
  EXPECT_EQ(r.type, "Temperature");
  EXPECT_EQ(r.value, 25.5);
  EXPECT_EQ(r.received_at, kReceivedAt);
  auto data = boost::json::parse(r.data_json).as_object();
  EXPECT_EQ(data["unit"].as_string(), "C");
  EXPECT_EQ(data["battery"].as_int64(), 91);
  ASSERT_EQ(m.sightings.size(), 1u);
  EXPECT_EQ(m.sightings[0].kind, EntityKind::device);
}

TEST(MessageParser, DeviceIdFallsBackToTheTopic) {
  auto m = ok("SensorData/Device0002/temp", R"({"type":"Humidity","value":40})");
  ASSERT_EQ(m.readings.size(), 1u);
  EXPECT_EQ(m.readings[0].source_id, "Device0002");
}

TEST(MessageParser, DeviceTimestampFromIsoOrEpoch) {
  EXPECT_EQ(ok("SensorData/x", R"({"device_id":"a","timestamp":"2024-11-02T10:30:00Z"})").readings[0].device_time,
            1730543400000);
  EXPECT_EQ(ok("SensorData/x", R"({"device_id":"a","timestamp":1730543400})").readings[0].device_time,
            1730543400000);
  EXPECT_EQ(ok("SensorData/x", R"({"device_id":"a","timestamp":1730543400123})").readings[0].device_time,
            1730543400123);
}

TEST(MessageParser, ArraysAreAllOrNothing) {
  auto m = ok("SensorData/x", R"([{"device_id":"a","value":1},{"device_id":"b","value":2}])");
  EXPECT_EQ(m.readings.size(), 2u);
  EXPECT_EQ(rejected("SensorData/x", R"([{"device_id":"a"},{"device_id":7}])"), RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", R"([{"device_id":"a"},3])"), RejectReason::not_object);
}

TEST(MessageParser, NumbersBeyondADoubleAreRejected) {
  // Read as infinity, which could only be written back as null or as invalid JSON.
  EXPECT_EQ(rejected("SensorData/x", R"({"device_id":"a","value":1e999})"),
            RejectReason::invalid_field);
  EXPECT_EQ(rejected("BLEGatewayData/g", R"({"gateway_id":"g","mac":"m","x":{"y":[-1e400]}})"),
            RejectReason::invalid_field);
  EXPECT_EQ(ok("SensorData/x", R"({"device_id":"a","value":1.7e308})").readings.size(), 1u);
}

TEST(MessageParser, BleGatewayRegistersGatewayAndNode) {
  auto m = ok("BLEGatewayData/BLEGateway0001",
              R"({"gateway_id":"BLEGateway0001","mac":"58:8c:81:ab:a6:16","beacon_name":"  TempHumBeacon4 ","temperature":22.5,"humidity":40,"rssi":-61})");
  ASSERT_EQ(m.sightings.size(), 2u);
  EXPECT_EQ(m.sightings[0].kind, EntityKind::gateway);
  EXPECT_EQ(m.sightings[0].type, "ble");
  EXPECT_EQ(m.sightings[1].kind, EntityKind::node);
  EXPECT_EQ(m.sightings[1].name, "TempHumBeacon4");
  EXPECT_EQ(m.sightings[1].gateway_id, "BLEGateway0001");
  ASSERT_EQ(m.readings.size(), 1u);
  EXPECT_EQ(m.readings[0].source_type, SourceType::node);
  EXPECT_EQ(m.readings[0].source_id, "58:8c:81:ab:a6:16");
  EXPECT_EQ(m.readings[0].gateway_id, "BLEGateway0001");
}

TEST(MessageParser, BleNodeNameFallsBackToMac) {
  auto m = ok("BLEGatewayData/g", R"({"gateway_id":"g","mac":"aa:bb","beacon_name":"   "})");
  EXPECT_EQ(m.sightings[1].name, "aa:bb");
}

TEST(MessageParser, BleArrayHasOneGatewaySighting) {
  auto m = ok("BLEGatewayData/g",
              R"([{"gateway_id":"g","mac":"m1"},{"gateway_id":"g","mac":"m2"},{"gateway_id":"g","mac":"m3"}])");
  EXPECT_EQ(m.readings.size(), 3u);
  EXPECT_EQ(m.sightings.size(), 4u);
}

TEST(MessageParser, LoraNodeIsNamedAfterItsId) {
  auto m = ok("LoRaGatewayData/lg",
              R"({"gateway_id":"LoRaGW1","node_id":"N7","pm2_5":12.1,"co2":600,"aqi":42,"aqi_category":"Good"})");
  EXPECT_EQ(m.sightings[1].name, "LoRa_N7");
  EXPECT_EQ(m.sightings[1].type, "lora");
  EXPECT_EQ(m.readings[0].source_id, "N7");
  EXPECT_NE(m.readings[0].data_json.find("aqi_category"), std::string::npos);
}

TEST(MessageParser, OtaResponse) {
  auto m = ok("OTA/Device0001/response", R"({"status":"downloading","progress":40,"firmware_version":"1.1.0"})");
  ASSERT_EQ(m.ota.size(), 1u);
  EXPECT_EQ(m.ota[0].device_id, "Device0001");
  EXPECT_EQ(m.ota[0].progress, 40);
  EXPECT_EQ(rejected("OTA/d/response", R"({"status":"success","progress":140})"), RejectReason::invalid_field);
  EXPECT_EQ(rejected("OTA/d/response", R"({"progress":1})"), RejectReason::invalid_field);
}

TEST(MessageParser, StatusMessagesAndLastWill) {
  auto m = ok("SensorData/Device0001/status", "offline");
  ASSERT_EQ(m.status.size(), 1u);
  EXPECT_EQ(m.status[0].status, Presence::offline);
  EXPECT_TRUE(m.readings.empty());
  auto j = ok("SensorData/x/status", R"({"device_id":"Device0009","status":"online"})");
  EXPECT_EQ(j.status[0].id, "Device0009");
  auto g = ok("BLEGatewayData/GW1/status", R"({"status":"offline"})");
  EXPECT_EQ(g.status[0].kind, EntityKind::gateway);
  EXPECT_EQ(rejected("SensorData/x/status", R"({"status":"sleepy"})"), RejectReason::invalid_field);
}

TEST(MessageParser, RejectsBadInput) {
  EXPECT_EQ(rejected("SensorData/x", "not json"), RejectReason::not_json);
  EXPECT_EQ(rejected("SensorData/x", "42"), RejectReason::not_object);
  EXPECT_EQ(rejected("SensorData", R"({"value":1})"), RejectReason::missing_id);
  EXPECT_EQ(rejected("SensorData/x", R"({"device_id":12})"), RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", R"({"device_id":"a/b"})"), RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", R"({"device_id":"a+b"})"), RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", R"({"device_id":"a#"})"), RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", "{\"device_id\":\"a\\u0001\"}"), RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", "{\"device_id\":\"" + std::string(129, 'a') + "\"}"),
            RejectReason::invalid_id);
  EXPECT_EQ(rejected("SensorData/x", "{\"device_id\":\"\xff\xfe\"}"), RejectReason::not_json);
  EXPECT_EQ(rejected("BLEGatewayData/g", R"({"gateway_id":"g"})"), RejectReason::missing_id);
  EXPECT_EQ(rejected("Other/x", "{}"), RejectReason::unknown_topic);
}

TEST(MessageParser, RejectsDeepNestingAndLargePayloads) {
  std::string deep = R"({"device_id":"a","v":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(rejected("SensorData/x", deep), RejectReason::not_json);
  ParseLimits small;
  small.max_payload = 100;
  EXPECT_EQ(rejected("SensorData/x", R"({"device_id":"a","pad":")" + std::string(200, 'x') + "\"}", small),
            RejectReason::too_large);
}

TEST(MessageParser, CommandResponse) {
  auto m = ok("CommandResponse/Device0001",
              R"({"command_id":"cmd-1.a:b_C","status":"success","result":{"uptime":42,"temp":21.5}})");
  ASSERT_EQ(m.command_replies.size(), 1u);
  const CommandReply& r = m.command_replies[0];
  EXPECT_EQ(r.device_id, "Device0001");
  EXPECT_EQ(r.command_id, "cmd-1.a:b_C");
  EXPECT_EQ(r.status, "success");
  EXPECT_EQ(r.result_json, R"({"uptime":42,"temp":21.5})");
  EXPECT_EQ(r.received_at, kReceivedAt);
  // A reply is no telemetry: nothing else comes out of it.
  EXPECT_TRUE(m.readings.empty());
  EXPECT_TRUE(m.sightings.empty());
  EXPECT_TRUE(m.ota.empty());
  const auto& filters = ingest_topic_filters();
  EXPECT_NE(std::find(filters.begin(), filters.end(), "CommandResponse/+"), filters.end());
}

TEST(MessageParser, CommandResponseStatusIsSuccessOrFailed) {
  auto status_of = [](std::string_view status) {
    auto m =
        ok("CommandResponse/d", R"({"command_id":"c1","status":")" + std::string(status) + "\"}");
    return m.command_replies.empty() ? std::string("?") : m.command_replies[0].status;
  };
  for (std::string_view word : {"success", "ok", "done", "completed", "OK", "Done", "SUCCESS"})
    EXPECT_EQ(status_of(word), "success") << word;
  for (std::string_view word : {"failed", "error", "timeout", "", "okay", "ok "})
    EXPECT_EQ(status_of(word), "failed") << word;
}

TEST(MessageParser, CommandResponseResultIsAnyJsonOrNothing) {
  auto result_of = [](std::string_view result_field) {
    auto m = ok("CommandResponse/d",
                R"({"command_id":"c1","status":"ok")" + std::string(result_field) + "}");
    return m.command_replies.empty() ? std::string("?") : m.command_replies[0].result_json;
  };
  EXPECT_EQ(result_of(""), "");
  EXPECT_EQ(result_of(R"(,"result":null)"), "");
  EXPECT_EQ(result_of(R"(,"result":"rebooting")"), R"("rebooting")");
  EXPECT_EQ(result_of(R"(,"result":[1,2.5,true])"), "[1,2.5,true]");
  EXPECT_EQ(result_of(R"(,"result":0)"), "0");
}

TEST(MessageParser, CommandResponseDeviceIdAsInOtaResponses) {
  // As for OTA responses: the body's device_id when it has one, else the topic's.
  auto m = ok("CommandResponse/topic-id",
              R"({"device_id":"body-id","command_id":"c1","status":"ok"})");
  EXPECT_EQ(m.command_replies.at(0).device_id, "body-id");
  EXPECT_EQ(rejected("CommandResponse/", R"({"command_id":"c1","status":"ok"})"),
            RejectReason::missing_id);
  EXPECT_EQ(ok("CommandResponse/", R"({"device_id":"d","command_id":"c1","status":"ok"})")
                .command_replies.at(0)
                .device_id,
            "d");
  EXPECT_EQ(rejected("CommandResponse/d", R"({"device_id":"a/b","command_id":"c1","status":"ok"})"),
            RejectReason::invalid_id);
}

TEST(MessageParser, CommandResponseRejectsBadInput) {
  auto with_id = [](std::string_view id_json) {
    return R"({"status":"ok","command_id":)" + std::string(id_json) + "}";
  };
  EXPECT_EQ(rejected("CommandResponse/d", R"({"status":"ok"})"), RejectReason::missing_id);
  EXPECT_EQ(rejected("CommandResponse/d", with_id("null")), RejectReason::missing_id);
  EXPECT_EQ(rejected("CommandResponse/d", with_id("12")), RejectReason::invalid_id);
  EXPECT_EQ(rejected("CommandResponse/d", with_id(R"("")")), RejectReason::invalid_id);
  EXPECT_EQ(rejected("CommandResponse/d", with_id(R"("a b")")), RejectReason::invalid_id);
  EXPECT_EQ(rejected("CommandResponse/d", with_id(R"("a/b")")), RejectReason::invalid_id);
  EXPECT_EQ(rejected("CommandResponse/d", with_id("\"" + std::string(65, 'x') + "\"")),
            RejectReason::invalid_id);
  auto longest = ok("CommandResponse/d", with_id("\"" + std::string(64, 'x') + "\""));
  EXPECT_EQ(longest.command_replies.size(), 1u);
  EXPECT_EQ(rejected("CommandResponse/d", R"({"command_id":"c1"})"), RejectReason::invalid_field);
  EXPECT_EQ(rejected("CommandResponse/d", R"({"command_id":"c1","status":1})"),
            RejectReason::invalid_field);
  EXPECT_EQ(rejected("CommandResponse/d", R"([{"command_id":"c1","status":"ok"}])"),
            RejectReason::not_object);
  EXPECT_EQ(rejected("CommandResponse/d", "ok"), RejectReason::not_json);
  EXPECT_EQ(rejected("CommandResponse", R"({"command_id":"c1","status":"ok"})"),
            RejectReason::unknown_topic);
  EXPECT_EQ(rejected("CommandResponse/d/status", "offline"), RejectReason::unknown_topic);
}
