#include <gtest/gtest.h>

#include "ingest/mqtt_codec.hpp"

using namespace blazeiot::mqtt;

TEST(MqttCodec, PublishRoundTripsThroughTheFrameReader) {
  std::string bytes = encode_publish("SensorData/d1", R"({"device_id":"d1"})", 1, false, 42, false);
  FrameReader reader(1024);
  std::vector<Frame> frames;
  // Byte by byte: partial packets must be reassembled.
  for (char c : bytes) ASSERT_TRUE(reader.feed(std::string_view(&c, 1), frames));
  ASSERT_EQ(frames.size(), 1u);
  auto p = decode_publish(frames[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->topic, "SensorData/d1");
  EXPECT_EQ(p->payload, R"({"device_id":"d1"})");
  EXPECT_EQ(p->qos, 1);
  EXPECT_EQ(p->packet_id, 42);
}

TEST(MqttCodec, SeveralPacketsInOneRead) {
  std::string bytes = encode_puback(7) + encode_publish("a", "x", 0, false, 0, false) + encode_pingreq();
  FrameReader reader(1024);
  std::vector<Frame> frames;
  ASSERT_TRUE(reader.feed(bytes, frames));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].type(), PacketType::puback);
  EXPECT_EQ(decode_packet_id(frames[0]), 7);
  EXPECT_EQ(frames[1].type(), PacketType::publish);
  EXPECT_EQ(frames[2].type(), PacketType::pingreq);
}

TEST(MqttCodec, OversizedPublishIsTruncatedButKeepsItsPacketId) {
  std::string payload(200'000, 'x');
  std::string bytes = encode_publish("SensorData/big", payload, 1, false, 9, false) +
                      encode_publish("SensorData/next", "{}", 1, false, 10, false);
  FrameReader reader(1000);
  std::vector<Frame> frames;
  for (std::size_t i = 0; i < bytes.size(); i += 4096)
    ASSERT_TRUE(reader.feed(std::string_view(bytes).substr(i, 4096), frames));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_TRUE(frames[0].truncated);
  EXPECT_LE(frames[0].body.size(), 65539u);
  auto big = decode_publish(frames[0]);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->topic, "SensorData/big");
  EXPECT_EQ(big->packet_id, 9);
  EXPECT_TRUE(big->payload.empty());
  auto next = decode_publish(frames[1]);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->packet_id, 10);
  EXPECT_EQ(next->payload, "{}");
}

TEST(MqttCodec, MalformedLengthIsAnError) {
  FrameReader reader(1024);
  std::vector<Frame> frames;
  EXPECT_FALSE(reader.feed(std::string("\x30\xff\xff\xff\xff\x01", 6), frames));
}

TEST(MqttCodec, ConnectCarriesCredentialsAndSessionFlag) {
  ConnectOptions o;
  o.client_id = "blazeiot-test";
  o.clean_session = false;
  o.username = "u";
  o.password = "p";
  std::string c = encode_connect(o);
  EXPECT_EQ(static_cast<unsigned char>(c[0]), 0x10);
  // flags byte follows "\0\4MQTT\4"
  EXPECT_EQ(static_cast<unsigned char>(c[9]), 0xC0);
  EXPECT_NE(c.find("blazeiot-test"), std::string::npos);
}

TEST(MqttCodec, ConnackReturnCode) {
  Frame f;
  f.header = 0x20;
  f.body = std::string("\x00\x05", 2);
  EXPECT_EQ(decode_connack(f), 5);
  EXPECT_STREQ(connack_reason(5), "not authorized");
}
